// The quiz form, a little kinder with JavaScript: Enter in a typed answer moves on to the next
// question instead of submitting the whole quiz, and submitting with questions left unanswered
// asks first. Without JavaScript the server asks the same on its confirmation page; it decides
// in any case (it also grades a timed attempt past its deadline as it stands).
(function () {
  "use strict";
  var form = document.querySelector("form.quiz-form");
  var warning = document.getElementById("quiz-warning");
  if (!form || !warning) { return; }
  var questions = Array.prototype.slice.call(form.querySelectorAll("fieldset.question"));
  var deadline = Date.parse(form.getAttribute("data-deadline") || "");
  var confirmed = false;

  function answered(question) {
    var inputs = question.querySelectorAll("input");
    for (var i = 0; i < inputs.length; i++) {
      var input = inputs[i];
      if (input.type === "radio" || input.type === "checkbox" ? input.checked : input.value.trim()) {
        return true;
      }
    }
    return false;
  }

  function goTo(question) {
    var input = question.querySelector("input:checked") || question.querySelector("input");
    question.scrollIntoView({ block: "center" });
    if (input) { input.focus({ preventScroll: true }); }
  }

  function listed(numbers) {
    if (window.Intl && Intl.ListFormat) {
      return new Intl.ListFormat(document.documentElement.lang || "en").format(numbers);
    }
    return numbers.join(", ");
  }

  form.addEventListener("keydown", function (event) {
    var field = event.target;
    if (event.key !== "Enter" || field.tagName !== "INPUT" || field.type !== "text") { return; }
    event.preventDefault();
    var next = questions[questions.indexOf(field.closest("fieldset.question")) + 1];
    if (next) { goTo(next); } else { form.querySelector(".quiz-submit").focus(); }
  });

  // "Submit anyway" (in this warning or on the server's confirmation page) posts as it is.
  form.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[name=confirm_incomplete]")) { confirmed = true; }
  });

  form.addEventListener("submit", function (event) {
    var missing = questions.filter(function (question) { return !answered(question); });
    if (confirmed || !missing.length || Date.now() > deadline) { return; }
    event.preventDefault();
    var numbers = missing.map(function (question) { return question.getAttribute("data-number"); });
    var text = warning.getAttribute(numbers.length === 1 ? "data-one" : "data-other");
    warning.querySelector(".quiz-warning-text").textContent = text.replace("{list}", listed(numbers));
    warning.hidden = false;
    warning.focus();
    warning.querySelector("[data-quiz-back]").onclick = function () {
      warning.hidden = true;
      goTo(missing[0]);
    };
  });
})();
