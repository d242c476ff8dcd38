/* Administration pages: the buttons and forms carry a REST call (data-ft-method, data-ft-url,
   data-ft-body); this script sends it with the session and reloads the page to show the result. */
(function () {
  "use strict";
  var ft = window.ferrotube;
  var status = document.getElementById("ft-admin-status");
  var FLASH = "ft-admin-flash";

  function say(text, ok) {
    if (!status) return;
    status.textContent = text;
    status.className = "ft-admin-status " + (ok ? "ft-ok" : "ft-error");
  }

  try {
    var flash = sessionStorage.getItem(FLASH);
    if (flash) {
      sessionStorage.removeItem(FLASH);
      say(flash, true);
    }
  } catch (e) { /* storage refused: no message */ }

  // Writes value at a dotted path, making objects on the way.
  function setPath(obj, path, value) {
    var keys = path.split(".");
    var node = obj;
    for (var i = 0; i < keys.length - 1; i++) {
      if (!node[keys[i]] || typeof node[keys[i]] !== "object") node[keys[i]] = {};
      node = node[keys[i]];
    }
    node[keys[keys.length - 1]] = value;
  }

  function fieldValue(el) {
    var type = el.dataset.ftType;
    if (type === "bool") return el.checked;
    if (type === "int") return el.value === "" ? null : parseInt(el.value, 10);
    if (type === "list") return el.value.split(/[\s,]+/).filter(function (s) { return s; });
    return el.value;
  }

  function send(el, fields) {
    var method = el.dataset.ftMethod;
    var base = {};
    try { base = JSON.parse(el.dataset.ftBody || "{}"); } catch (e) { base = {}; }
    var start = el.dataset.ftMerge ? ft.apiJson(el.dataset.ftMerge) : Promise.resolve(base);
    return start.then(function (body) {
      if (el.dataset.ftMerge) Object.keys(base).forEach(function (k) { body[k] = base[k]; });
      fields.forEach(function (f) { setPath(body, f.name, fieldValue(f)); });
      var opts = { method: method };
      if (method !== "DELETE" || Object.keys(body).length) {
        opts.headers = { "Content-Type": "application/json" };
        opts.body = JSON.stringify(body);
      }
      return ft.apiJson(el.dataset.ftUrl, opts);
    });
  }

  function run(el, fields, busy) {
    if (el.dataset.ftConfirm && !window.confirm(el.dataset.ftConfirm)) return;
    busy.disabled = true;
    say("", true);
    send(el, fields).then(function () {
      try { sessionStorage.setItem(FLASH, status ? status.dataset.done || "OK" : "OK"); } catch (e) { /* none */ }
      window.location.reload();
    }, function (err) {
      busy.disabled = false;
      say(err.message, false);
    });
  }

  document.addEventListener("click", function (ev) {
    var b = ev.target.closest("button[data-ft-method]");
    if (b) run(b, [], b);
  });

  document.addEventListener("submit", function (ev) {
    var form = ev.target.closest("form[data-ft-method]");
    if (!form) return;
    ev.preventDefault();
    var fields = Array.prototype.filter.call(form.elements, function (e) {
      return e.name && e.dataset.ftType;
    });
    run(form, fields, form.querySelector("button[type=submit]") || form);
  });
})();
