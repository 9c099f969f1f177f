// Workspace uploads: several files at once, drag and drop, a progress bar per file.
// Each file is its own request, so one failure never loses the others.
(function () {
  "use strict";
  const queue = document.getElementById("upload-queue");
  const list = queue ? queue.querySelector("ul") : null;
  const csrfMeta = document.querySelector('meta[name="csrf-token"]');
  const csrf = csrfMeta ? csrfMeta.content : "";
  const MAX_PARALLEL = 3;
  // Messages come translated from the page (data-say-* on the queue), so English mode shows English.
  const say = (key, fallback) => (queue && queue.dataset[key]) || fallback;
  let running = 0;
  const waiting = [];

  function row(file) {
    const li = document.createElement("li");
    li.className = "mb-2 upload-row";
    const name = document.createElement("div");
    name.className = "text-truncate";
    name.textContent = file.name;
    const track = document.createElement("div");
    track.className = "progress";
    track.setAttribute("role", "progressbar");
    track.setAttribute("aria-label", file.name);
    track.setAttribute("aria-valuemin", "0");
    track.setAttribute("aria-valuemax", "100");
    const bar = document.createElement("div");
    bar.className = "progress-bar";
    track.append(bar);
    const status = document.createElement("div");
    status.className = "text-muted";
    status.textContent = say("sayWaiting", "等待上传…");
    li.append(name, track, status);
    list.prepend(li);
    queue.classList.remove("d-none");
    makeRoom();
    return { li, track, bar, status };
  }

  function setProgress(ui, percent) {
    ui.bar.style.width = percent + "%";
    ui.track.setAttribute("aria-valuenow", String(percent));
  }

  // A refused or broken upload: the whole bar red, the reason under it (the server's message when it gave one).
  function fail(ui, reason) {
    setProgress(ui, 100);
    ui.bar.classList.add("bg-danger");
    ui.li.classList.add("upload-failed");
    ui.status.textContent = reason;
    ui.status.className = "text-danger";
    makeRoom();
  }

  function succeed(ui, message) {
    setProgress(ui, 100);
    ui.bar.classList.add("bg-success");
    ui.status.textContent = message;
    ui.status.className = "text-success";
  }

  // The panel floats over the bottom of the page: leave that much room below the content, so the last
  // points and their messages can always be scrolled above it.
  function makeRoom() {
    const open = queue && !queue.classList.contains("d-none");
    document.body.style.paddingBottom = open ? (queue.offsetHeight + 16) + "px" : "";
  }

  // Once everything has gone through, the panel closes by itself; a failure keeps it open until closed.
  function closeWhenAllWell() {
    if (running > 0 || waiting.length > 0 || list.querySelector(".upload-failed")) return;
    setTimeout(() => {
      if (running === 0 && waiting.length === 0 && !list.querySelector(".upload-failed")) {
        queue.classList.add("d-none");
        list.replaceChildren();
        makeRoom();
      }
    }, 4000);
  }

  // The sticky indicator titles stop under the sticky head, whose height depends on the screen.
  const head = document.querySelector(".workspace-head");
  const columns = document.querySelector(".workspace thead");
  function measureHead() {
    const root = document.documentElement.style;
    if (head) root.setProperty("--workspace-head", head.offsetHeight + "px");
    if (columns) root.setProperty("--workspace-columns", columns.offsetHeight + "px");
  }
  measureHead();
  window.addEventListener("resize", measureHead);

  // The HTML below is our own server's rendering of _point.html / _progress.html (autoescaped), not user input.
  function replaceCell(html) {
    const holder = document.createElement("tbody");
    holder.innerHTML = "<tr>" + html + "</tr>";
    const cell = holder.querySelector("td");
    const old = document.getElementById(cell.id);
    // Parallel uploads answer in any order: an answer rendered before a later one committed must not
    // replace the newer cell (revisions are fixed-width digit strings, so they compare as text).
    if (old && (cell.dataset.rev || "0") >= (old.dataset.rev || "0")) {
      old.replaceWith(cell);
      if (window.htmx) window.htmx.process(cell);
    }
  }

  // Safe for the same reason: our own _progress.html rendering.
  function replaceProgress(html) {
    const holder = document.createElement("div");
    holder.innerHTML = html;
    const fresh = holder.firstElementChild;
    const old = document.getElementById("progress");
    if (old && fresh) old.replaceWith(fresh);
  }

  function send(job) {
    running += 1;
    const { file, url, ui } = job;
    const form = new FormData();
    form.append("file", file, file.name);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.setRequestHeader("X-CSRFToken", csrf);
    xhr.setRequestHeader("Accept", "application/json");
    ui.status.textContent = say("sayUploading", "上传中…");
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) setProgress(ui, Math.round((e.loaded / e.total) * 100));
    };
    xhr.onload = () => {
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch (err) { body = null; }
      if (body && body.cell) replaceCell(body.cell);
      if (body && body.progress) replaceProgress(body.progress);
      if (xhr.status === 200) {
        succeed(ui, (body && body.message) || say("sayDone", "已上传"));
      } else {
        fail(ui, (body && body.message) || say("sayFailed", "上传失败（{status}），请重试。").replace("{status}", xhr.status));
      }
      done();
    };
    xhr.onerror = () => {
      fail(ui, say("sayOffline", "网络中断，文件未上传，请重试。"));
      done();
    };
    xhr.send(form);
  }

  function done() {
    running -= 1;
    if (waiting.length) send(waiting.shift());
    closeWhenAllWell();
  }

  function enqueue(files, zone) {
    const url = zone.dataset.uploadUrl;
    const max = Number(zone.dataset.maxBytes || 0);
    for (const file of files) {
      const ui = row(file);
      if (max && file.size > max) {
        fail(ui, say("sayTooLarge", "超过单个文件上限，未上传。"));
        continue;
      }
      const job = { file, url, ui };
      if (running < MAX_PARALLEL) send(job); else waiting.push(job);
    }
  }

  document.addEventListener("change", (e) => {
    if (e.target.matches("input[data-upload]")) {
      enqueue(Array.from(e.target.files), e.target.closest(".dropzone"));
      e.target.value = "";
    }
  });
  document.addEventListener("dragover", (e) => {
    const zone = e.target.closest && e.target.closest(".dropzone");
    if (zone) { e.preventDefault(); zone.classList.add("dragging"); }
  });
  document.addEventListener("dragleave", (e) => {
    const zone = e.target.closest && e.target.closest(".dropzone");
    if (zone) zone.classList.remove("dragging");
  });
  document.addEventListener("drop", (e) => {
    const zone = e.target.closest && e.target.closest(".dropzone");
    if (zone) {
      e.preventDefault();
      zone.classList.remove("dragging");
      enqueue(Array.from(e.dataTransfer.files), zone);
    }
  });
  document.addEventListener("click", (e) => {
    if (e.target.matches("[data-close-queue]")) {
      queue.classList.add("d-none");
      list.replaceChildren();
      makeRoom();
    }
  });
  window.addEventListener("beforeunload", (e) => {
    if (running > 0 || waiting.length > 0) { e.preventDefault(); e.returnValue = ""; }
  });
})();
