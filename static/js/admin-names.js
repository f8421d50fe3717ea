// Names for what the admin's widgets draw without one (WCAG 4.1.2): select2's
// autocomplete boxes and their search fields are named by the field's label, and the
// icons of the "filter horizontal" lists, which carry an aria-label, are images.
(function () {
  "use strict";

  function labelId(select) {
    const label = document.querySelector('label[for="' + select.id + '"]');
    if (!label) return null;
    if (!label.id) label.id = select.id + "-label";
    return label.id;
  }

  function name(root) {
    root.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      const id = labelId(select);
      const box = select.nextElementSibling;
      if (!id || !box) return;
      box.querySelectorAll('[role="combobox"]').forEach(function (combobox) {
        const shown = combobox.querySelector(".select2-selection__rendered");
        combobox.setAttribute("aria-labelledby", shown && shown.id ? id + " " + shown.id : id);
        // The choice shown, which select2 calls a textbox, is named by the label too.
        if (shown) shown.setAttribute("aria-labelledby", id);
      });
      box.querySelectorAll(".select2-search__field").forEach(function (field) {
        field.setAttribute("aria-labelledby", id);
      });
    });
    root.querySelectorAll("span.help-tooltip[aria-label]").forEach(function (icon) {
      icon.setAttribute("role", "img");
    });
  }

  // After Django's own scripts have drawn the widgets (on DOMContentLoaded), and each
  // time select2 draws a part again (a multiple choice redraws its search field when
  // the choices change) or an inline row is added.
  window.addEventListener("load", function () {
    name(document);
    new MutationObserver(function (changes) {
      if (changes.some(function (change) { return change.addedNodes.length; })) name(document);
    }).observe(document.body, { childList: true, subtree: true });
  });
})();
