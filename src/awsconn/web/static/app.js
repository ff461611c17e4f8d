// awsconn web UI: small behaviours on top of server-rendered pages (no inline script).
// Copy buttons, the wizard's ID suggestion and its show/hide rules, focus after htmx swaps.
(function () {
  "use strict";

  // --- copy buttons: <button data-copy="ID"> copies the text of #ID -------------------
  function copyText(text, button) {
    var done = function () {
      var was = button.textContent;
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = was; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { fallback(text); done(); });
    } else {
      fallback(text);
      done();
    }
  }
  function fallback(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "absolute";
    area.style.left = "-9999px";
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); } catch (e) { /* nothing more to try */ }
    document.body.removeChild(area);
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) { return; }
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (source) { copyText(source.textContent, button); }
  });

  // --- the ID suggested from the name, until the ID is edited by hand ----------------
  function suggestIdentifier(name) {
    var id = name.trim().replace(/[^0-9A-Za-z_$]+/g, "_").replace(/^_+|_+$/g, "");
    if (id && !/^[A-Za-z_]/.test(id)) { id = "_" + id; }
    return id.slice(0, 128);
  }
  document.addEventListener("input", function (event) {
    var target = event.target;
    if (target.id === "identifier") {
      target.setAttribute("data-edited", "");
    }
    if (target.id === "name") {
      var id = document.querySelector("[data-suggest-from='name']");
      if (id && !id.hasAttribute("data-edited")) {
        id.value = suggestIdentifier(target.value);
        updateSecretName();
      }
    }
    if (target.id === "identifier") { updateSecretName(); }
  });
  function updateSecretName() {
    var id = document.getElementById("identifier");
    var name = document.querySelector("[data-secret-name]");
    if (id && name) { name.setAttribute("placeholder", (id.value || "ID") + "_secret_key"); }
  }

  // --- show a group when a field has one of its values (data-show-when="name=a|b") ----
  function valueOf(form, name) {
    var inputs = form.querySelectorAll("[name='" + name + "']");
    for (var i = 0; i < inputs.length; i++) {
      var el = inputs[i];
      if (el.type === "radio" || el.type === "checkbox") {
        if (el.checked) { return el.value; }
      } else {
        return el.value;
      }
    }
    return "";
  }
  function applyShowWhen(root) {
    var scope = root || document;
    var groups = scope.querySelectorAll("[data-show-when]");
    for (var i = 0; i < groups.length; i++) {
      var group = groups[i];
      var form = group.closest("form");
      if (!form) { continue; }
      var rule = group.getAttribute("data-show-when").split("=");
      var wanted = rule[1].split("|");
      group.hidden = wanted.indexOf(valueOf(form, rule[0])) < 0;
    }
  }
  document.addEventListener("change", function (event) {
    if (event.target.closest("form")) { applyShowWhen(document); }
  });

  // --- after htmx swaps in new content: rules again, focus where the user goes next --
  // A field htmx keeps across steps (hx-preserve: the typed Secret Key) keeps its old
  // attributes too: point it at its error message, if the new step shows one.
  function linkPreservedErrors() {
    var kept = document.querySelectorAll("#wizard [hx-preserve]");
    for (var i = 0; i < kept.length; i++) {
      var field = kept[i];
      var error = document.getElementById("err-" + field.id);
      var described = ["help-" + field.id];
      if (error) {
        described.push(error.id);
        field.setAttribute("aria-invalid", "true");
      } else {
        field.removeAttribute("aria-invalid");
      }
      field.setAttribute("aria-describedby", described.join(" "));
    }
  }
  // After a wizard step is answered: the first field with an error takes the focus, else
  // the new step's heading (so the keyboard and screen readers start where the step does).
  // Other swaps (a generated External ID, the matching delegates) leave the focus alone.
  document.addEventListener("htmx:afterSettle", function (event) {
    linkPreservedErrors();
    applyShowWhen(document);
    var source = event.detail && event.detail.elt;
    var wizard = document.getElementById("wizard");
    if (!wizard || !source || source.id !== "wizard") { return; }
    var invalid = wizard.querySelectorAll("[aria-invalid='true']");
    for (var i = 0; i < invalid.length; i++) {
      if (invalid[i].offsetParent !== null) { invalid[i].focus(); return; }
    }
    var wanted = wizard.querySelector("[autofocus]");  // a role chain row just added
    if (wanted && wanted.offsetParent !== null) { wanted.focus(); return; }
    var heading = wizard.querySelector("[data-focus]");
    if (heading) { heading.focus(); }
  });
  // --- a request that got no answer says so (an answer with an error is a page) -------
  document.addEventListener("htmx:sendError", function () {
    var box = document.getElementById("request-failed");
    if (!box) { return; }
    box.textContent = "The server could not be reached: nothing was changed by this " +
      "request. Check the connection and try again.";
    box.hidden = false;
  });
  document.addEventListener("htmx:beforeRequest", function () {
    var box = document.getElementById("request-failed");
    if (box) { box.hidden = true; }
  });
  document.addEventListener("DOMContentLoaded", function () {
    applyShowWhen(document);
    updateSecretName();
  });
})();
