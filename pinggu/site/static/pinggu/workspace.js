// Workspace uploads: several files at once, drag and drop, a progress bar per file.
// Each file is its own request, so one failure never loses the others; large files are sent
// resumably (tus) in chunks and can be continued after a broken connection or a page reload.
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

  // Large files go through the resumable (tus) API in chunks: a broken connection retries from the
  // last stored byte, and after a page reload tus-js-client finds the upload again (its fingerprint
  // store in localStorage) when the same file is chosen for the same point.
  const resumableBase = queue ? queue.dataset.resumableBase : "";
  const threshold = Number((queue && queue.dataset.resumableThreshold) || 0);
  const chunkBytes = Number((queue && queue.dataset.chunkBytes) || 0);
  const canResume = () => Boolean(window.tus && window.tus.isSupported && resumableBase && threshold > 0);

  function endpointFor(point) {
    return resumableBase + encodeURIComponent(point) + "/uploads";
  }

  // The finished file's cell and the progress box, as the page itself renders them now.
  function refreshPoint(point) {
    return fetch(window.location.href, { headers: { Accept: "text/html" }, credentials: "same-origin" })
      .then((r) => r.text())
      .then((html) => {
        // The workspace page as our server rendered it (autoescaped); DOMParser runs no script in it.
        const fresh = new DOMParser().parseFromString(html, "text/html");
        const cell = fresh.getElementById("point-" + point);
        if (cell) replaceCell(cell.outerHTML);
        const progress = fresh.getElementById("progress");
        if (progress) replaceProgress(progress.outerHTML);
      })
      .catch(() => {});
  }

  function tusMessage(err) {
    const res = err && err.originalResponse;
    if (res) {
      try {
        const body = JSON.parse(res.getBody());
        if (body && body.message) return body.message;
      } catch (e) { /* not our JSON */ }
      return say("sayFailed", "上传失败（{status}），请重试。").replace("{status}", res.getStatus());
    }
    return say("sayOffline", "网络中断，文件未上传，请重试。");
  }

  function sendResumable(job) {
    running += 1;
    const { file, point, ui } = job;
    let evidenceId = null;
    let duplicate = false;
    ui.li.dataset.resumable = "true";
    ui.status.textContent = say("sayUploading", "上传中…");
    const upload = new window.tus.Upload(file, {
      endpoint: endpointFor(point),
      chunkSize: chunkBytes || Infinity,
      retryDelays: [0, 1000, 3000, 5000, 10000, 20000],
      metadata: { filename: file.name, point: point },
      headers: { "X-CSRFToken": csrf },
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true,
      onProgress: (sent, total) => {
        setProgress(ui, total ? Math.floor((sent / total) * 100) : 0);
        ui.status.textContent = say("sayUploading", "上传中…");
        ui.status.className = "text-muted";
      },
      onShouldRetry: (err, attempt, options) => {
        const status = err.originalResponse ? err.originalResponse.getStatus() : 0;
        const retry = !status || status === 409 || status === 423 || status >= 500;
        if (retry) ui.status.textContent = say("sayPaused", "网络中断，正在重试…");
        return retry;
      },
      onAfterResponse: (req, res) => {
        const id = res.getHeader("Pinggu-Evidence-Id");
        if (id) { evidenceId = id; duplicate = res.getHeader("Pinggu-Duplicate") === "true"; }
      },
      onError: (err) => {
        fail(ui, tusMessage(err));
        refreshPoint(point);
        done();
      },
      onSuccess: () => {
        succeed(ui, duplicate ? say("sayDuplicate", "与已上传的材料内容相同，未重复保存。") : say("sayDone", "已上传"));
        if (evidenceId) ui.li.dataset.evidenceId = evidenceId;
        document.querySelectorAll('[data-resume-point="' + CSS.escape(point) + '"]').forEach((row) => {
          if (row.dataset.resumeName === file.name) row.remove();
        });
        refreshPoint(point).then(() => { done(); });
      },
    });
    upload.findPreviousUploads().then((previous) => {
      if (previous.length) upload.resumeFromPreviousUpload(previous[0]);
      upload.start();
    }).catch(() => upload.start());
  }

  // After a reload: the unfinished uploads this browser remembers for this page, each with 继续上传
  // (the browser cannot reopen a file by itself, so the user picks the same file again).
  function offerUnfinished() {
    if (!canResume() || !list) return;
    window.tus.defaultOptions.urlStorage.findAllUploads().then((uploads) => {
      for (const stored of uploads) {
        const point = stored.metadata && stored.metadata.point;
        const zone = point && document.querySelector('.dropzone[data-point="' + CSS.escape(point) + '"]');
        if (!zone || !stored.uploadUrl) continue;
        fetch(stored.uploadUrl, { method: "HEAD", headers: { "Tus-Resumable": "1.0.0" }, credentials: "same-origin" })
          .then((r) => {
            if (r.status === 404) { window.tus.defaultOptions.urlStorage.removeUpload(stored.urlStorageKey); return; }
            if (!r.ok) return;
            const offset = Number(r.headers.get("Upload-Offset") || 0);
            const total = Number(r.headers.get("Upload-Length") || stored.size || 1);
            showUnfinished(stored, zone, point, Math.floor((offset / total) * 100));
          })
          .catch(() => {});
      }
    });
  }

  function showUnfinished(stored, zone, point, percent) {
    const name = stored.metadata.filename || "";
    const ui = row({ name });
    ui.li.dataset.resumePoint = point;
    ui.li.dataset.resumeName = name;
    setProgress(ui, percent);
    ui.bar.classList.add("bg-warning");
    ui.status.textContent = say("sayUnfinished", "未完成的上传：已传 {percent}%，请选择同一文件继续。").replace("{percent}", percent);
    const pick = document.createElement("label");
    pick.className = "btn btn-sm btn-outline-primary mt-1 me-1";
    pick.textContent = say("sayResume", "继续上传");
    const input = document.createElement("input");
    input.type = "file";
    input.className = "visually-hidden";
    input.dataset.resumeInput = "true";
    pick.append(input);
    const cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "btn btn-sm btn-link mt-1";
    cancel.textContent = say("sayCancel", "放弃");
    ui.li.append(pick, cancel);
    input.addEventListener("change", () => {
      const file = input.files[0];
      if (!file) return;
      ui.li.remove();
      enqueue([file], zone);
    });
    cancel.addEventListener("click", () => {
      fetch(stored.uploadUrl, { method: "DELETE", headers: { "Tus-Resumable": "1.0.0", "X-CSRFToken": csrf }, credentials: "same-origin" })
        .finally(() => {
          window.tus.defaultOptions.urlStorage.removeUpload(stored.urlStorageKey);
          ui.li.remove();
          closeWhenAllWell();
        });
    });
  }

  function start(job) {
    if (job.resumable) sendResumable(job); else send(job);
  }

  function done() {
    running -= 1;
    if (waiting.length) start(waiting.shift());
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
      const job = { file, url, ui, point: zone.dataset.point, resumable: canResume() && file.size >= threshold };
      if (running < MAX_PARALLEL) start(job); else waiting.push(job);
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
  offerUnfinished();
  window.addEventListener("beforeunload", (e) => {
    if (running > 0 || waiting.length > 0) { e.preventDefault(); e.returnValue = ""; }
  });
})();
