// Small progressive enhancements: keyboard moves in the queue, bulk selection, answer templates, preview.
(function () {
  "use strict";
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";

  document.querySelectorAll("[data-print]").forEach((b) => b.addEventListener("click", () => window.print()));

  const rows = Array.from(document.querySelectorAll("tr.qrow"));
  const count = document.getElementById("selected-count");
  const boxes = () => Array.from(document.querySelectorAll('input[name="qid"]'));
  const updateCount = () => { if (count) count.textContent = String(boxes().filter((b) => b.checked).length); };
  document.addEventListener("change", (e) => { if (e.target.name === "qid") updateCount(); });
  const all = document.getElementById("select-all");
  if (all) all.addEventListener("change", () => { boxes().forEach((b) => { b.checked = all.checked; }); updateCount(); });

  let focus = -1;
  const setFocus = (i) => {
    if (!rows.length) return;
    focus = Math.max(0, Math.min(rows.length - 1, i));
    rows.forEach((r) => r.classList.remove("focus"));
    rows[focus].classList.add("focus");
    rows[focus].scrollIntoView({ block: "nearest" });
  };
  const bulk = document.getElementById("bulk");
  const submitBulk = (op) => {
    if (!bulk) return;
    const button = bulk.querySelector(`button[value="${op}"]`);
    if (button) button.click();
  };
  document.addEventListener("keydown", (e) => {
    const t = e.target;
    if (t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement) return;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const search = document.getElementById("search");
    if (e.key === "/" && search) { e.preventDefault(); search.focus(); return; }
    if (!rows.length) return;
    if (e.key === "j") setFocus(focus + 1);
    else if (e.key === "k") setFocus(focus - 1);
    else if (e.key === "x" && focus >= 0) {
      const box = rows[focus].querySelector('input[name="qid"]');
      if (box) { box.checked = !box.checked; updateCount(); }
    } else if ((e.key === "o" || e.key === "Enter") && focus >= 0) window.location.href = rows[focus].dataset.href;
    else if (e.key === "c") submitBulk("confirm");
    else if (e.key === "m") submitBulk("merge");
    else if (e.key === "a") { const agency = document.getElementById("bulk-agency"); if (agency) agency.focus(); }
    else return;
    e.preventDefault();
  });

  const pick = document.getElementById("template-pick");
  const form = document.getElementById("reply-form");
  if (pick && form) {
    pick.addEventListener("change", () => {
      const option = pick.selectedOptions[0];
      if (option && option.dataset.body) form.elements.text.value = option.dataset.body;
    });
  }
  const previewButton = document.getElementById("preview-button");
  const preview = document.getElementById("preview");
  if (previewButton && form && preview) {
    previewButton.addEventListener("click", async () => {
      const body = new URLSearchParams({ text: form.elements.text.value, status: form.elements.status.value });
      const response = await fetch(previewButton.dataset.url, {
        method: "POST", body, headers: { "X-CSRF-Token": csrf }, credentials: "same-origin",
      });
      preview.textContent = response.ok ? await response.text() : "Không xem trước được, vui lòng thử lại.";
      preview.hidden = false;
    });
  }
})();
