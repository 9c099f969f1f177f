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
    li.className = "mb-1";
    const name = document.createElement("div");
    name.className = "text-truncate";
    name.textContent = file.name;
    const bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.className = "w-100";
    const status = document.createElement("div");
    status.className = "text-muted";
    status.textContent = say("sayWaiting", "等待上传…");
    li.append(name, bar, status);
    list.prepend(li);
    queue.classList.remove("d-none");
    return { bar, status };
  }

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
      if (e.lengthComputable) ui.bar.value = Math.round((e.loaded / e.total) * 100);
    };
    xhr.onload = () => {
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch (err) { body = null; }
      if (body && body.cell) replaceCell(body.cell);
      if (body && body.progress) replaceProgress(body.progress);
      if (xhr.status === 200) {
        ui.bar.value = 100;
        ui.status.textContent = (body && body.message) || say("sayDone", "已上传");
        ui.status.className = "text-success";
      } else {
        ui.status.textContent = (body && body.message) || say("sayFailed", "上传失败（{status}），请重试。").replace("{status}", xhr.status);
        ui.status.className = "text-danger";
      }
      done();
    };
    xhr.onerror = () => {
      ui.status.textContent = say("sayOffline", "网络中断，文件未上传，请重试。");
      ui.status.className = "text-danger";
      done();
    };
    xhr.send(form);
  }

  function done() {
    running -= 1;
    if (waiting.length) send(waiting.shift());
  }

  function enqueue(files, zone) {
    const url = zone.dataset.uploadUrl;
    const max = Number(zone.dataset.maxBytes || 0);
    for (const file of files) {
      const ui = row(file);
      if (max && file.size > max) {
        ui.status.textContent = say("sayTooLarge", "超过单个文件上限，未上传。");
        ui.status.className = "text-danger";
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
    if (e.target.matches("[data-close-queue]")) queue.classList.add("d-none");
  });
  window.addEventListener("beforeunload", (e) => {
    if (running > 0 || waiting.length > 0) { e.preventDefault(); e.returnValue = ""; }
  });
})();
