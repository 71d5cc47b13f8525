// Progressive enhancement for the dashboard. Without JavaScript every form still posts normally;
// with it, upload forms (marked data-progress) show how much of the file has been sent.
(function () {
  "use strict";

  function announce(text) {
    var region = document.getElementById("messages");
    if (!region) return;
    var p = document.createElement("p");
    p.className = "message";
    p.textContent = text; // textContent, never innerHTML: file names come from users
    region.appendChild(p);
  }

  function showPage(xhr) {
    // The server answered with a whole page (a result, a preview or a redirect target): show it as if
    // the browser had navigated there, and put its address in the location bar.
    var url = xhr.responseURL || window.location.href;
    document.open();
    document.write(xhr.responseText);
    document.close();
    if (url !== window.location.href) {
      window.history.pushState(null, "", url);
    }
  }

  function enhance(form) {
    form.addEventListener("submit", function (event) {
      if (!window.FormData || !window.XMLHttpRequest) return;
      var hasFile = Array.prototype.some.call(form.querySelectorAll("input[type=file]"), function (input) {
        return input.files && input.files.length > 0;
      });
      if (!hasFile) return; // nothing worth a progress bar; let the browser submit
      event.preventDefault();

      var data;
      try {
        data = new FormData(form, event.submitter || undefined);
      } catch (error) {
        data = new FormData(form);
        if (event.submitter && event.submitter.name) data.append(event.submitter.name, event.submitter.value);
      }

      var box = form.querySelector(".upload-progress");
      if (!box) {
        box = document.createElement("div");
        box.className = "upload-progress";
        box.innerHTML = '<label><span class="progress-text">Sending the file…</span>' +
          '<progress max="100" value="0"></progress></label>';
        form.appendChild(box);
      }
      var bar = box.querySelector("progress");
      var text = box.querySelector(".progress-text");
      var buttons = form.querySelectorAll("button, input[type=submit]");
      Array.prototype.forEach.call(buttons, function (b) { b.disabled = true; });

      var xhr = new XMLHttpRequest();
      xhr.open(form.method || "POST", form.action || window.location.href);
      xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) return;
        var percent = Math.round((e.loaded / e.total) * 100);
        bar.value = percent;
        text.textContent = "Sending the file… " + percent + " %";
      });
      xhr.upload.addEventListener("load", function () {
        bar.removeAttribute("value"); // indeterminate while the server reads the rows
        text.textContent = "File sent. Reading the rows…";
      });
      xhr.addEventListener("load", function () {
        var type = xhr.getResponseHeader("Content-Type") || "";
        if (type.indexOf("text/html") === 0) {
          showPage(xhr);
        } else {
          Array.prototype.forEach.call(buttons, function (b) { b.disabled = false; });
          box.remove();
          announce("The server answered with an error (" + xhr.status + "). Please try again.");
        }
      });
      xhr.addEventListener("error", function () {
        Array.prototype.forEach.call(buttons, function (b) { b.disabled = false; });
        box.remove();
        announce("The upload did not reach the server. Check the connection and try again.");
      });
      xhr.send(data);
    });
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-progress]"), enhance);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
