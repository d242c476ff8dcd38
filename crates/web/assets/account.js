// My account, my library, sign-up (area "account"): the pages render what they show; this
// script sends their changes to PeerTube's REST API and says how it went.
(function () {
  "use strict";
  var F = window.ferrotube;
  var $ = function (id) {
    return document.getElementById(id);
  };

  function say(el, text, ok) {
    if (!el) return;
    el.textContent = text;
    el.classList.toggle("ft-bad", !ok);
    el.classList.toggle("ft-good", !!ok);
  }

  function statusOf(form) {
    return form.querySelector(".ft-status");
  }

  function send(method, path, body) {
    var opts = { method: method };
    if (body !== undefined) {
      opts.headers = { "Content-Type": "application/json" };
      opts.body = JSON.stringify(body);
    }
    return F.apiJson(path, opts);
  }

  /** Runs `action` on submit; a rejection shows its message, a result string shows as done. */
  function onSubmit(form, action) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var button = form.querySelector("button[type=submit]");
      if (button) button.disabled = true;
      say(statusOf(form), "", true);
      Promise.resolve()
        .then(function () {
          return action(form);
        })
        .then(
          function (text) {
            if (text) say(statusOf(form), text, true);
          },
          function (err) {
            say(statusOf(form), err.message || String(err), false);
          }
        )
        .then(function () {
          if (button) button.disabled = false;
        });
    });
  }

  function saved() {
    var n = document.querySelector("[data-saved]");
    return n ? n.dataset.saved : "Saved.";
  }

  function val(form, name) {
    var el = form.elements[name];
    return el ? el.value : "";
  }

  function userId() {
    var s = document.querySelector("[data-user-id]");
    return s ? s.dataset.userId : "";
  }

  var forms = {
    profile: function (form) {
      return send("PUT", "/api/v1/users/me", {
        displayName: val(form, "displayName"),
        description: val(form, "description"),
      }).then(saved);
    },
    video: function (form) {
      var langs = Array.prototype.filter
        .call(form.elements.videoLanguages.options, function (o) {
          return o.selected;
        })
        .map(function (o) {
          return o.value;
        });
      var p2p = form.elements.p2pEnabled.checked;
      return send("PUT", "/api/v1/users/me", {
        nsfwPolicy: (form.querySelector("input[name=nsfwPolicy]:checked") || {}).value || "do_not_list",
        p2pEnabled: p2p,
        autoPlayVideo: form.elements.autoPlayVideo.checked,
        videosHistoryEnabled: form.elements.videosHistoryEnabled.checked,
        videoLanguages: langs.length ? langs : null,
      }).then(function () {
        if (p2p) delete document.body.dataset.p2p;
        else document.body.dataset.p2p = "off";
        return saved();
      });
    },
    password: function (form) {
      if (val(form, "password") !== val(form, "confirm")) {
        return Promise.reject(new Error(form.dataset.differ));
      }
      return send("PUT", "/api/v1/users/me", {
        currentPassword: val(form, "currentPassword"),
        password: val(form, "password"),
      }).then(function () {
        form.reset();
        return saved();
      });
    },
    email: function (form) {
      return send("PUT", "/api/v1/users/me", {
        email: val(form, "email"),
        currentPassword: val(form, "currentPassword"),
      }).then(function () {
        location.reload();
      });
    },
    "2fa-request": function (form) {
      return send("POST", "/api/v1/users/" + userId() + "/two-factor/request", {
        currentPassword: val(form, "currentPassword"),
      }).then(function (body) {
        var r = body.otpRequest;
        var confirm = $("ft-account-2fa-confirm");
        confirm.dataset.requestToken = r.requestToken;
        $("ft-account-2fa-secret").textContent = r.secret;
        $("ft-account-2fa-uri").href = r.uri;
        form.hidden = true;
        confirm.hidden = false;
        $("ft-account-2fa-code").focus();
      });
    },
    "2fa-confirm": function (form) {
      return send("POST", "/api/v1/users/" + userId() + "/two-factor/confirm-request", {
        requestToken: form.dataset.requestToken,
        otpToken: val(form, "otpToken"),
      }).then(function () {
        location.reload();
      });
    },
    "2fa-disable": function (form) {
      return send("POST", "/api/v1/users/" + userId() + "/two-factor/disable", {
        currentPassword: val(form, "currentPassword"),
      }).then(function () {
        location.reload();
      });
    },
    "notification-settings": function (form) {
      var body = {};
      form.querySelectorAll("tr[data-key]").forEach(function (row) {
        var web = row.querySelector("input[name=web]").checked ? 1 : 0;
        var email = row.querySelector("input[name=email]").checked ? 2 : 0;
        body[row.dataset.key] = web | email;
      });
      return send("PUT", "/api/v1/users/me/notification-settings", body).then(saved);
    },
    forgot: function (form) {
      return send("POST", "/api/v1/users/ask-reset-password", { email: val(form, "email") }).then(function () {
        return statusOf(form).dataset.done;
      });
    },
  };

  function initForms() {
    document.querySelectorAll("form[data-account-form]").forEach(function (form) {
      var action = forms[form.dataset.accountForm];
      if (action) onSubmit(form, action);
    });
    var avatar = $("ft-account-avatar-form");
    if (avatar) {
      onSubmit(avatar, function (form) {
        var file = form.elements.avatarfile.files[0];
        if (!file) return Promise.reject(new Error(form.elements.avatarfile.labels[0].textContent));
        var data = new FormData();
        data.append("avatarfile", file);
        return F.apiJson("/api/v1/users/me/avatar/pick", { method: "POST", body: data }).then(function () {
          location.reload();
        });
      });
    }
  }

  /** A button that calls the API and then updates the page. */
  function onClick(el, statusEl, action) {
    if (!el) return;
    el.addEventListener("click", function () {
      el.disabled = true;
      Promise.resolve()
        .then(action)
        .catch(function (err) {
          say(statusEl, err.message || String(err), false);
          el.disabled = false;
        });
    });
  }

  function initNotifications() {
    var status = $("ft-account-notif-status");
    onClick($("ft-account-read-all"), status, function () {
      return send("POST", "/api/v1/users/me/notifications/read-all").then(function () {
        document.querySelectorAll(".ft-account-notif.ft-unread").forEach(function (li) {
          li.classList.remove("ft-unread");
          var b = li.querySelector(".ft-account-mark-read");
          if (b) b.remove();
          var hiddenLabel = li.querySelector(".ft-visually-hidden");
          if (hiddenLabel) hiddenLabel.remove();
        });
        var count = $("ft-bell-count");
        if (count) count.hidden = true;
        $("ft-account-read-all").disabled = false;
      });
    });
    document.querySelectorAll(".ft-account-mark-read").forEach(function (b) {
      var li = b.closest("li");
      onClick(b, status, function () {
        return send("POST", "/api/v1/users/me/notifications/read", { ids: [Number(li.dataset.id)] }).then(function () {
          li.classList.remove("ft-unread");
          b.remove();
        });
      });
    });
  }

  function initHistory() {
    var status = $("ft-account-history-status");
    var toggle = $("ft-account-history-toggle");
    if (toggle) {
      toggle.addEventListener("change", function () {
        send("PUT", "/api/v1/users/me", { videosHistoryEnabled: toggle.checked }).then(
          function () {
            say(status, saved(), true);
            var off = $("ft-account-history-off");
            if (off) off.hidden = toggle.checked;
          },
          function (err) {
            say(status, err.message, false);
          }
        );
      });
    }
    onClick($("ft-account-history-clear"), status, function () {
      return send("DELETE", "/api/v1/users/me/history/videos").then(function () {
        location.reload();
      });
    });
    document.querySelectorAll(".ft-account-history-remove").forEach(function (b) {
      var li = b.closest("[data-video-id]");
      onClick(b, status, function () {
        return send("DELETE", "/api/v1/users/me/history/videos/" + li.dataset.videoId).then(function () {
          li.remove();
        });
      });
    });
  }

  function initSubscriptions() {
    var status = $("ft-account-subs-status");
    document.querySelectorAll(".ft-account-unsubscribe").forEach(function (b) {
      var li = b.closest("li");
      onClick(b, status, function () {
        return send("DELETE", "/api/v1/users/me/subscriptions/" + encodeURIComponent(li.dataset.handle)).then(function () {
          li.remove();
        });
      });
    });
  }

  function texts(id) {
    var out = {};
    var t = $(id);
    if (!t) return out;
    t.content.querySelectorAll("[data-k]").forEach(function (s) {
      out[s.dataset.k] = s.textContent;
    });
    return out;
  }

  function initSignup() {
    var form = $("ft-signup-form");
    if (!form) return;
    var t = texts("ft-signup-texts");
    var approval = form.dataset.approval === "true";
    onSubmit(form, function () {
      var body = {
        username: val(form, "username"),
        password: val(form, "password"),
        email: val(form, "email"),
      };
      if (val(form, "displayName")) body.displayName = val(form, "displayName");
      if (approval) body.registrationReason = val(form, "registrationReason");
      var path = approval ? "/api/v1/users/registrations/request" : "/api/v1/users/register";
      return send("POST", path, body).then(function () {
        form.hidden = true;
        $("ft-signup-done-text").textContent = approval
          ? t.approval
          : form.dataset.verification === "true"
            ? t.verify
            : t.done;
        $("ft-signup-done").hidden = false;
      });
    });
  }

  function linkParams() {
    var q = new URLSearchParams(location.search);
    return { userId: q.get("userId") || "", secret: q.get("verificationString") || "" };
  }

  function initReset() {
    var form = $("ft-reset-form");
    if (!form) return;
    var error = $("ft-reset-error");
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      error.hidden = true;
      if (val(form, "password") !== val(form, "confirm")) {
        error.textContent = form.dataset.differ;
        error.hidden = false;
        return;
      }
      var p = linkParams();
      send("POST", "/api/v1/users/" + encodeURIComponent(p.userId) + "/reset-password", {
        verificationString: p.secret,
        password: val(form, "password"),
      }).then(
        function () {
          $("ft-reset-done").hidden = false;
          $("ft-reset-submit").disabled = true;
        },
        function (err) {
          error.textContent = err.message;
          error.hidden = false;
        }
      );
    });
  }

  function initVerify() {
    var status = $("ft-verify-status");
    if (!status) return;
    var p = linkParams();
    send("POST", "/api/v1/users/" + encodeURIComponent(p.userId) + "/verify-email", {
      verificationString: p.secret,
    }).then(
      function () {
        status.hidden = true;
        $("ft-verify-done").hidden = false;
      },
      function (err) {
        status.hidden = true;
        var e = $("ft-verify-error");
        e.textContent = err.message;
        e.hidden = false;
      }
    );
  }

  function boot() {
    var page = document.body.dataset.page;
    initForms();
    if (page === "account-notifications") initNotifications();
    else if (page === "account-history") initHistory();
    else if (page === "account-subscriptions") initSubscriptions();
    else if (page === "account-signup") initSignup();
    else if (page === "account-reset-password") initReset();
    else if (page === "account-verify-email") initVerify();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
})();
