// The evidence preview page: a PDF drawn page by page onto canvases by the vendored PDF.js.
// The PDF's bytes come from our own inline route; PDF.js runs its parser in a worker loaded from
// our static files, with eval off, so the strict CSP (script-src 'self') holds.
const holder = document.getElementById("pdf-preview");
const status = document.getElementById("pdf-status");
const MAX_PAGES = 200;

async function show() {
  const pdfjs = await import(holder.dataset.lib);
  pdfjs.GlobalWorkerOptions.workerSrc = holder.dataset.worker;
  const pdf = await pdfjs.getDocument({
    url: holder.dataset.src,
    cMapUrl: holder.dataset.cmaps,
    cMapPacked: true,
    standardFontDataUrl: holder.dataset.fonts,
    isEvalSupported: false,
    enableXfa: false,
  }).promise;
  status.textContent = holder.dataset.pagesLabel.replace("{n}", String(pdf.numPages));
  holder.dataset.pages = String(pdf.numPages);
  const width = Math.min(holder.clientWidth || 900, 1000);
  for (let n = 1; n <= Math.min(pdf.numPages, MAX_PAGES); n += 1) {
    const page = await pdf.getPage(n);
    const base = page.getViewport({ scale: 1 });
    const scale = width / base.width;
    const ratio = window.devicePixelRatio || 1;
    const viewport = page.getViewport({ scale: scale * ratio });
    const canvas = document.createElement("canvas");
    canvas.width = Math.floor(viewport.width);
    canvas.height = Math.floor(viewport.height);
    canvas.style.width = Math.floor(viewport.width / ratio) + "px";
    canvas.className = "pdf-page border mb-2 d-block";
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", String(n) + " / " + String(pdf.numPages));
    holder.append(canvas);
    await page.render({ canvasContext: canvas.getContext("2d"), viewport }).promise;
    canvas.dataset.rendered = "true";
  }
}

if (holder) {
  show().catch((error) => {
    status.textContent = holder.dataset.failedLabel;
    status.className = "alert alert-warning";
    holder.dataset.error = String(error && error.message ? error.message : error);
  });
}
