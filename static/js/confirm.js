// Destructive forms ask first: <form data-confirm="…"> shows the question and is sent only on "OK".
// Listens in the capture phase on the document, so a refusal also stops htmx's handler on the form.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
}, true);
