// Progressive enhancement for the dashboard. Without JavaScript every form still posts normally;
// with it, upload forms (marked data-progress) show how much of the file has been sent, and then how far
// the server has got with the rows: the page makes a job first (POST /progress/), sends its id with the
// upload, and polls the job (/api/jobs/<id>) while the import runs (in another server worker).
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
    // A form that did not work answers with itself and its errors (status 400): show it in place, at the
    // same address.
    document.open();
    document.write(xhr.responseText);
    document.close();
  }

  function redirectTarget(xhr) {
    // A form that worked answers {"redirect": address} (the server's redirect, not followed by the script, so
    // the one-time messages wait for the browser): go there as the browser would have, so the address, Reload
    // and Back are those of a real page.
    try {
      var answer = JSON.parse(xhr.responseText);
      return answer && typeof answer.redirect === "string" ? answer.redirect : null;
    } catch (error) {
      return null;
    }
  }

  function csrfToken(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // Ask for a job to report progress to; calls back with its {id, url}, or with null (the upload then goes without).
  function startProgress(form, done) {
    var url = document.body.getAttribute("data-progress-url");
    if (!url || !window.fetch) { done(null); return; }
    fetch(url, { method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrfToken(form) } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(done, function () { done(null); });
  }

  // Poll the job until stop() is called; show its numbers in the bar and its sentence as text.
  function pollProgress(url, bar, text) {
    var timer = null;
    var stopped = false;
    function tick() {
      fetch(url, { credentials: "same-origin", cache: "no-store" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (state) {
          if (stopped || !state) return;
          if (state.total_count && state.processed_count) {
            bar.max = state.total_count;
            bar.value = state.processed_count;
          } else {
            bar.removeAttribute("value");
          }
          text.textContent = state.message;
        }, function () {})
        .then(function () { if (!stopped) timer = window.setTimeout(tick, 700); });
    }
    tick();
    return function stop() { stopped = true; window.clearTimeout(timer); };
  }

  function enhance(form) {
    form.addEventListener("submit", function (event) {
      if (!window.FormData || !window.XMLHttpRequest) return;
      var hasFile = Array.prototype.some.call(form.querySelectorAll("input[type=file]"), function (input) {
        return input.files && input.files.length > 0;
      });
      // data-progress="always": no file to send, but the server still works through files (a confirm).
      if (!hasFile && form.getAttribute("data-progress") !== "always") return; // let the browser submit
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
        box.innerHTML = '<label><span class="progress-text"></span>' +
          '<progress max="100" value="0"></progress></label>';
        box.querySelector(".progress-text").textContent = hasFile ? "Sending the file…" : "Working…";
        form.appendChild(box);
      }
      var bar = box.querySelector("progress");
      var text = box.querySelector(".progress-text");
      var buttons = form.querySelectorAll("button, input[type=submit]");
      Array.prototype.forEach.call(buttons, function (b) { b.disabled = true; });
      startProgress(form, function (progress) {
        if (progress) data.append("progress_id", progress.id);
        send(form, data, box, bar, text, buttons, progress);
      });
    });
  }

  function send(form, data, box, bar, text, buttons, progress) {
    var stopPolling = function () {};
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
      bar.removeAttribute("value"); // indeterminate until the server says how many rows there are
      text.textContent = "Sent. Reading the rows…";
      if (progress) stopPolling = pollProgress(progress.url, bar, text);
    });
    xhr.addEventListener("load", function () {
      stopPolling();
      var type = xhr.getResponseHeader("Content-Type") || "";
      var target = type.indexOf("application/json") === 0 ? redirectTarget(xhr) : null;
      if (target) {
        window.location.assign(target);
      } else if (type.indexOf("text/html") === 0) {
        showPage(xhr);
      } else {
        Array.prototype.forEach.call(buttons, function (b) { b.disabled = false; });
        box.remove();
        announce("The server answered with an error (" + xhr.status + "). Please try again.");
      }
    });
    xhr.addEventListener("error", function () {
      stopPolling();
      Array.prototype.forEach.call(buttons, function (b) { b.disabled = false; });
      box.remove();
      announce("The upload did not reach the server. Check the connection and try again.");
    });
    xhr.send(data);
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

// After a refused form, move focus to what went wrong (the first field error, else the page's messages), so a
// keyboard or screen-reader user lands on it rather than at the top of the page.
(function () {
  "use strict";
  function focusProblem() {
    if (!document.body.hasAttribute("data-focus-errors") && !document.querySelector(".messages .message-error")) return;
    // A field's own error first (focus goes into the field to fix), else the page's message about the problem.
    var target = document.querySelector("main .errorlist") || document.querySelector(".message-error, [role=alert]");
    if (!target) return;
    var field = target.closest(".field");
    var input = field && field.querySelector("input, select, textarea");
    var focusable = input || target;
    if (!input) focusable.setAttribute("tabindex", "-1");
    focusable.focus();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusProblem);
  } else {
    focusProblem();
  }
})();
