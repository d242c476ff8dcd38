// Browsing pages: the subscribe button of channel pages (PeerTube's subscriptions API), and
// "load more" on video lists (the next page's cards appended; without script the pager's links
// work as they are).
(function () {
  "use strict";
  var ft = window.ferrotube;

  function setState(btn, on) {
    btn.dataset.subscribed = on ? "1" : "";
    btn.setAttribute("aria-pressed", on ? "true" : "false");
    btn.textContent = on ? btn.dataset.on : btn.dataset.off;
  }

  function subscribe(btn) {
    var uri = btn.dataset.uri;
    var status = document.getElementById("ft-subscribe-status");
    ft.apiJson("/api/v1/users/me/subscriptions/exist?uris=" + encodeURIComponent(uri))
      .then(function (res) {
        setState(btn, !!(res && res[uri]));
      })
      .catch(function () {});
    btn.addEventListener("click", function () {
      var on = !!btn.dataset.subscribed;
      btn.disabled = true;
      var req = on
        ? ft.apiJson("/api/v1/users/me/subscriptions/" + encodeURIComponent(uri), { method: "DELETE" })
        : ft.apiJson("/api/v1/users/me/subscriptions", {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ uri: uri }),
          });
      req
        .then(function () {
          setState(btn, !on);
          if (status) status.textContent = "";
        })
        .catch(function (err) {
          if (status) status.textContent = err.message;
        })
        .then(function () {
          btn.disabled = false;
        });
    });
  }

  function loadMore(link) {
    var grid = document.querySelector("[data-more-target]");
    if (!grid) return;
    var btn = document.createElement("button");
    btn.type = "button";
    btn.className = "ft-button";
    btn.id = "ft-load-more";
    btn.textContent = link.dataset.moreLabel;
    link.parentNode.insertBefore(btn, link);
    var next = link.getAttribute("href");
    btn.addEventListener("click", function () {
      btn.disabled = true;
      fetch(next, { credentials: "same-origin" })
        .then(function (r) {
          return r.text();
        })
        .then(function (html) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          var items = doc.querySelectorAll("[data-more-target] > li");
          for (var i = 0; i < items.length; i++) grid.appendChild(document.adoptNode(items[i]));
          var more = doc.getElementById("ft-page-next");
          if (more) {
            next = more.getAttribute("href");
            link.setAttribute("href", next);
            btn.disabled = false;
          } else {
            btn.remove();
            link.remove();
          }
        })
        .catch(function () {
          btn.disabled = false;
        });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var btn = document.getElementById("ft-subscribe");
    if (btn && ft) subscribe(btn);
    var more = document.getElementById("ft-page-next");
    if (more) loadMore(more);
  });
})();
