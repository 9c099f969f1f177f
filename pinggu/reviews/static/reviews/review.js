// The review screen's keyboard and autosave (no inline script: the CSP forbids it).
// 1–4 choose the verdict (saved at once by htmx on change); j/PageDown and k/PageUp move to the next or previous
// point once every change is saved, so "1, j" reviews a point whose material is fine.
(() => {
  const form = document.getElementById("review-form");
  if (!form) return;
  let dirty = false;
  let leaving = null;

  const editable = (el) => el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName)) &&
    !(el.tagName === "INPUT" && (el.type === "radio" || el.type === "checkbox"));

  // A verdict with its default score: 符合 is full marks, 不符合 0, 不适用 none; a typed score or deduction
  // belongs to 部分符合 only.
  const clearFor = (verdict) => {
    // The empty score shows the score the verdict gives (a greyed-out maximum read as full marks on a 不符合).
    const score = form.querySelector("[name=score]");
    if (score.dataset.max !== undefined) {
      score.placeholder = verdict === "fail" ? "0" : verdict === "not_applicable" ? "" : score.dataset.max;
    }
    if (verdict === "partial") return;
    form.querySelector("[name=score]").value = "";
    form.querySelectorAll(".deduction-count").forEach((input) => { input.value = "0"; });
    form.querySelector("[name=free_text]").value = "";
    form.querySelector("[name=free_points]").value = "";
  };

  document.addEventListener("change", (event) => {
    if (event.target.name === "verdict" && form.contains(event.target)) clearFor(event.target.value);
  }, true);
  form.addEventListener("input", () => { dirty = true; });
  form.addEventListener("change", () => { dirty = true; });
  form.addEventListener("htmx:beforeRequest", (event) => { if (event.detail.elt === form) dirty = false; });
  form.addEventListener("htmx:afterRequest", (event) => {
    if (event.detail.elt !== form) return;
    const failed = !event.detail.successful || document.querySelector("#save-state [data-save-error]");
    if (failed) { dirty = true; leaving = null; return; }
    if (leaving && !dirty) window.location.assign(leaving);
  });

  const go = (which) => {
    const target = form.dataset[which];
    if (!target) return;
    if (form.classList.contains("htmx-request")) { leaving = target; return; }
    if (dirty && !form.querySelector("fieldset[disabled]")) { leaving = target; htmx.trigger(form, "pg-save"); return; }
    window.location.assign(target);
  };

  document.addEventListener("click", (event) => {
    const phrase = event.target.closest("[data-phrase]");
    if (phrase) {
      const reason = form.querySelector("[name=reason]");
      reason.value = reason.value ? `${reason.value}；${phrase.dataset.phrase}` : phrase.dataset.phrase;
      reason.dispatchEvent(new Event("change", { bubbles: true }));
      return;
    }
    const nav = event.target.closest("[data-nav]");
    if (nav && form.contains(nav)) { event.preventDefault(); go(nav.dataset.nav); }
  });

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (editable(event.target)) {
      if (event.key === "Escape") event.target.blur();
      return;
    }
    const key = event.key;
    if (key === "j" || key === "PageDown") { event.preventDefault(); go("next"); return; }
    if (key === "k" || key === "PageUp") { event.preventDefault(); go("prev"); return; }
    const radio = form.querySelector(`input[name=verdict][data-key="${key}"]`);
    if (radio && !radio.matches(":disabled")) {
      event.preventDefault();
      radio.checked = true;
      radio.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });

  window.addEventListener("beforeunload", (event) => {
    if (dirty && !leaving) { event.preventDefault(); event.returnValue = form.dataset.unsaved; }
  });
})();
