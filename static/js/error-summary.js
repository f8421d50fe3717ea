// The error summary (templates/includes/error_summary.html): focused when the page
// loads; a link in it moves focus to its field and shows the field's label or, for a
// group of radios or checkboxes, its legend, as GOV.UK's error summary does.
(function () {
  "use strict";
  var summary = document.querySelector("[data-error-summary]");
  if (!summary) {
    return;
  }
  summary.focus();
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    var input = link && document.getElementById(link.getAttribute("href").slice(1));
    if (!input) {
      return;
    }
    event.preventDefault();
    var fieldset = input.closest("fieldset");
    var legend = fieldset && fieldset.querySelector("legend");
    var label = document.querySelector("label[for='" + input.id + "']");
    var shown = (input.type === "radio" || input.type === "checkbox") && legend ? legend : label;
    (shown || input).scrollIntoView({ behavior: "instant", block: "start" });
    input.focus({ preventScroll: true });
  });
})();
