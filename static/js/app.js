/* Flashcall's own behaviour, kept out of the pages so the Content-Security-Policy can forbid inline script. */
(function () {
  "use strict";

  // <form data-confirm="Question?">: ask before submitting. In the capture phase on the document, so a
  // refusal also stops htmx's own handler on the form (an htmx form would otherwise be sent at once).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // <button data-copy="#id" data-done="Copied">: copy the element's text to the clipboard.
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-copy]") : null;
    if (!button) {
      return;
    }
    var source = document.querySelector(button.getAttribute("data-copy"));
    if (!source || !navigator.clipboard) {
      return;
    }
    navigator.clipboard.writeText(source.textContent.trim()).then(function () {
      if (button.dataset.done) {
        button.textContent = button.dataset.done;
      }
    });
  });

  // An htmx request that fails (no connection, or an error status htmx does not swap) shows the page's
  // "reload and try again" alert instead of failing silently; the next request that succeeds hides it.
  function requestFailed(shown) {
    var box = document.getElementById("request-failed");
    if (box) {
      box.hidden = !shown;
    }
  }
  document.addEventListener("htmx:sendError", function () { requestFailed(true); });
  document.addEventListener("htmx:responseError", function () { requestFailed(true); });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.successful) {
      requestFailed(false);
    }
  });
})();
