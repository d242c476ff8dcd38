// The watch page's actions (rate, subscribe, share, download, save to a playlist, report) and
// comments, through PeerTube's API. The player itself is app.js's. Everything here enhances a
// page that reads without script.
(function () {
  "use strict";
  var ft = window.ferrotube;
  var section = document.getElementById("ft-watch");
  if (!ft || !section) return;
  var $ = function (id) {
    return document.getElementById(id);
  };
  var T = ($("ft-texts") || { dataset: {} }).dataset;
  var uuid = section.dataset.uuid;
  var videoId = Number(section.dataset.id);
  var base = "/api/v1/videos/" + encodeURIComponent(uuid);
  var video = $("ft-video");
  var JSON_HEADERS = { "Content-Type": "application/json" };

  function send(path, method, body) {
    return ft.apiJson(path, { method: method, headers: JSON_HEADERS, body: body ? JSON.stringify(body) : undefined });
  }
  function say(el, text, bad) {
    if (!el) return;
    el.textContent = text;
    el.classList.toggle("ft-error", !!bad);
  }
  function node(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  function clock(s) {
    s = Math.max(0, Math.floor(s || 0));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), ss = String(s % 60).padStart(2, "0");
    return h ? h + ":" + String(m).padStart(2, "0") + ":" + ss : m + ":" + ss;
  }
  function secs(text) {
    var p = String(text).trim().split(":").map(Number);
    if (p.some(isNaN)) return 0;
    return p.reduce(function (a, b) { return a * 60 + b; }, 0);
  }

  // ------------------------------------------------------------ seeking (timestamps, ?start=)
  function seek(t) {
    if (!video) return;
    var go = function () {
      video.currentTime = t;
    };
    if (video.readyState >= 1) go();
    else video.addEventListener("loadedmetadata", go, { once: true });
    video.scrollIntoView({ block: "nearest" });
  }
  document.addEventListener("click", function (ev) {
    var a = ev.target.closest && ev.target.closest('a[href^="?start="]');
    if (!a) return;
    ev.preventDefault();
    seek(Number(a.getAttribute("href").slice(7)) || 0);
    var p = video && video.play && video.play();
    if (p && p.catch) p.catch(function () {});
  });
  if (Number(section.dataset.start) > 0) seek(Number(section.dataset.start));

  // ------------------------------------------------------------ dialogs
  function dialog(openId, dialogId, onOpen) {
    var btn = $(openId), dlg = $(dialogId);
    if (!btn || !dlg) return;
    btn.addEventListener("click", function () {
      if (dlg.showModal) dlg.showModal();
      else dlg.setAttribute("open", "");
      if (onOpen) onOpen(dlg);
    });
    dlg.addEventListener("click", function (ev) {
      if (ev.target.hasAttribute && ev.target.hasAttribute("data-close")) dlg.close();
    });
  }

  // ------------------------------------------------------------ rating
  var status = $("ft-action-status");
  var rating = section.dataset.rating || "none";
  function showRating() {
    ["like", "dislike"].forEach(function (r) {
      var b = $("ft-" + r);
      if (b) b.setAttribute("aria-pressed", String(rating === r));
    });
  }
  ["like", "dislike"].forEach(function (r) {
    var b = $("ft-" + r);
    if (!b) return;
    b.addEventListener("click", function () {
      if (!ft.signedIn()) {
        say(status, T.signIn);
        return;
      }
      var next = rating === r ? "none" : r;
      var before = rating;
      b.disabled = true;
      send(base + "/rate", "PUT", { rating: next })
        .then(function () {
          var bump = function (kind, d) {
            var c = $("ft-" + kind + "-count");
            if (c) c.textContent = String(Math.max(0, Number(c.textContent) + d));
          };
          if (before !== "none") bump(before, -1);
          if (next !== "none") bump(next, 1);
          rating = next;
          section.dataset.rating = next;
          showRating();
          say(status, "");
        })
        .catch(function (e) {
          say(status, e.message, true);
        })
        .finally(function () {
          b.disabled = false;
        });
    });
  });

  // ------------------------------------------------------------ subscribe
  var sub = $("ft-subscribe");
  var handle = section.dataset.channel;
  if (sub && handle) {
    var subscribed = false;
    var showSub = function () {
      sub.setAttribute("aria-pressed", String(subscribed));
      sub.textContent = subscribed ? sub.dataset.on : sub.dataset.off;
    };
    ft.apiJson("/api/v1/users/me/subscriptions/exist?uris=" + encodeURIComponent(handle))
      .then(function (r) {
        subscribed = !!(r && r[handle]);
        showSub();
      })
      .catch(function () {});
    sub.addEventListener("click", function () {
      sub.disabled = true;
      var req = subscribed
        ? send("/api/v1/users/me/subscriptions/" + encodeURIComponent(handle), "DELETE")
        : send("/api/v1/users/me/subscriptions", "POST", { uri: handle });
      req
        .then(function () {
          subscribed = !subscribed;
          showSub();
        })
        .catch(function (e) {
          say(status, e.message, true);
        })
        .finally(function () {
          sub.disabled = false;
        });
    });
  }

  // ------------------------------------------------------------ share
  var shareUrl = $("ft-share-url"), shareEmbed = $("ft-share-embed"), startOn = $("ft-share-start-on"), startAt = $("ft-share-start");
  function absolute(u) {
    return u.charAt(0) === "/" ? location.origin + u : u;
  }
  function updateShare() {
    if (!shareUrl) return;
    var t = startOn && startOn.checked ? secs(startAt.value) : 0;
    var q = t > 0 ? "?start=" + t : "";
    shareUrl.value = absolute(shareUrl.dataset.base) + q;
    var code = shareEmbed.dataset.base;
    var src = (code.match(/src="([^"]*)"/) || [])[1] || "";
    shareEmbed.value = code.replace('src="' + src + '"', 'src="' + absolute(src) + q + '"');
  }
  dialog("ft-share-open", "ft-share-dialog", function () {
    if (video && startAt) startAt.value = clock(video.currentTime);
    updateShare();
    shareUrl.select();
  });
  [startOn, startAt].forEach(function (e) {
    if (e) e.addEventListener("input", updateShare);
  });
  if ($("ft-share-copy"))
    $("ft-share-copy").addEventListener("click", function () {
      var done = function () {
        say($("ft-share-copy"), T.copied);
      };
      if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(shareUrl.value).then(done, function () {});
      else {
        shareUrl.select();
        document.execCommand("copy");
        done();
      }
    });

  // ------------------------------------------------------------ download
  dialog("ft-download-open", "ft-download-dialog", function () {
    var list = $("ft-download-list");
    ft.apiJson(base)
      .then(function (v) {
        list.textContent = "";
        var files = (v.files || []).concat(
          (v.streamingPlaylists || []).reduce(function (a, p) {
            return a.concat(p.files || []);
          }, [])
        );
        files.forEach(function (f) {
          var li = node("li");
          var label = (f.resolution && f.resolution.label) || "?";
          var size = f.size ? " (" + (f.size / 1048576).toFixed(1) + " MB)" : "";
          var a = node("a", null, label + size);
          a.href = f.fileDownloadUrl || f.fileUrl;
          a.setAttribute("download", "");
          li.appendChild(a);
          if (f.torrentDownloadUrl) {
            var t = node("a", null, T.torrent);
            t.href = f.torrentDownloadUrl;
            li.appendChild(document.createTextNode(" · "));
            li.appendChild(t);
          }
          if (f.magnetUri) {
            var m = node("a", null, T.magnet);
            m.href = f.magnetUri;
            li.appendChild(document.createTextNode(" · "));
            li.appendChild(m);
          }
          list.appendChild(li);
        });
        if (!files.length) list.appendChild(node("li", null, T.none));
      })
      .catch(function (e) {
        list.textContent = e.message;
      });
  });

  // ------------------------------------------------------------ save to a playlist
  var saveStatus = $("ft-save-status");
  function loadPlaylists() {
    var list = $("ft-save-list");
    return ft
      .getMe()
      .then(function (me) {
        return Promise.all([
          ft.apiJson("/api/v1/accounts/" + encodeURIComponent(me.account.name) + "/video-playlists?count=100&sort=-updatedAt"),
          ft.apiJson("/api/v1/users/me/video-playlists/videos-exist?videoIds=" + videoId).catch(function () {
            return {};
          }),
        ]);
      })
      .then(function (r) {
        var elements = {};
        (r[1][videoId] || []).forEach(function (e) {
          elements[e.playlistId] = e.playlistElementId;
        });
        list.textContent = "";
        (r[0].data || []).forEach(function (p) {
          var li = node("li");
          var box = node("input");
          box.type = "checkbox";
          box.id = "ft-save-" + p.id;
          box.checked = elements[p.id] != null;
          var label = node("label", null, " " + p.displayName);
          label.htmlFor = box.id;
          box.addEventListener("change", function () {
            box.disabled = true;
            var req = box.checked
              ? send("/api/v1/video-playlists/" + p.id + "/videos", "POST", { videoId: videoId }).then(function (r) {
                  elements[p.id] = r.videoPlaylistElement && r.videoPlaylistElement.id;
                  say(saveStatus, T.added);
                })
              : send("/api/v1/video-playlists/" + p.id + "/videos/" + elements[p.id], "DELETE").then(function () {
                  delete elements[p.id];
                  say(saveStatus, T.removed);
                });
            req
              .catch(function (e) {
                box.checked = !box.checked;
                say(saveStatus, e.message, true);
              })
              .finally(function () {
                box.disabled = false;
              });
          });
          li.appendChild(box);
          li.appendChild(label);
          list.appendChild(li);
        });
        if (!list.children.length) list.appendChild(node("li", null, T.noPlaylists));
      })
      .catch(function (e) {
        say(saveStatus, e.message, true);
      });
  }
  dialog("ft-save-open", "ft-save-dialog", loadPlaylists);
  var saveNew = $("ft-save-new");
  if (saveNew)
    saveNew.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var name = $("ft-save-new-name").value.trim();
      if (!name) return;
      ft.getMe()
        .then(function (me) {
          var channel = (me.videoChannels || [])[0];
          // A private playlist: the owner makes it public from the library.
          return send("/api/v1/video-playlists", "POST", {
            displayName: name,
            privacy: 3,
            videoChannelId: channel ? channel.id : undefined,
          });
        })
        .then(function (r) {
          return send("/api/v1/video-playlists/" + r.videoPlaylist.id + "/videos", "POST", { videoId: videoId });
        })
        .then(function () {
          $("ft-save-new-name").value = "";
          return loadPlaylists();
        })
        .then(function () {
          say(saveStatus, T.added);
        })
        .catch(function (e) {
          say(saveStatus, e.message, true);
        });
    });

  // ------------------------------------------------------------ report
  dialog("ft-report-open", "ft-report-dialog");
  var reportForm = $("ft-report-form");
  if (reportForm)
    reportForm.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var reasons = Array.prototype.map.call(reportForm.querySelectorAll('input[name="reason"]:checked'), function (b) {
        return b.value;
      });
      var btn = $("ft-report-send");
      btn.disabled = true;
      send("/api/v1/abuses", "POST", {
        reason: $("ft-report-text").value,
        predefinedReasons: reasons,
        video: { id: videoId },
      })
        .then(function () {
          say($("ft-report-status"), T.sent);
          $("ft-report-text").value = "";
        })
        .catch(function (e) {
          say($("ft-report-status"), e.message, true);
        })
        .finally(function () {
          btn.disabled = false;
        });
    });

  // ------------------------------------------------------------ comments
  var comments = $("ft-comments");
  var commentStatus = $("ft-comment-status");
  var me = document.body.dataset.user || "";
  function commentItem(c) {
    var li = node("li", "ft-comment");
    li.id = "ft-comment-" + c.id;
    li.dataset.id = c.id;
    li.dataset.thread = c.threadId;
    var head = node("div", "ft-comment-head");
    var deleted = c.isDeleted || !c.account;
    head.appendChild(node("strong", null, deleted ? T.deleted : c.account.displayName || c.account.name));
    var handle = deleted ? "" : "@" + c.account.name + (c.account.host && c.account.host !== location.host ? "@" + c.account.host : "") + " · ";
    head.appendChild(document.createTextNode(" "));
    head.appendChild(node("span", "ft-muted", handle + String(c.createdAt || "").slice(0, 10)));
    if (c.heldForReview) {
      head.appendChild(document.createTextNode(" "));
      head.appendChild(node("span", "ft-badge", T.held));
    }
    li.appendChild(head);
    var text = node("div", "ft-comment-text");
    text.appendChild(node("p", null, deleted ? "" : c.text));
    li.appendChild(text);
    var acts = node("div", "ft-comment-actions");
    var mine = !deleted && me && c.account.name === me && (!c.account.host || c.account.host === location.host);
    if (mine) li.dataset.mine = "true";
    if (ft.signedIn() && !deleted) acts.appendChild(actButton("reply", T.reply));
    if (mine) acts.appendChild(actButton("delete", T.delete, "ft-danger"));
    if (c.totalReplies > 0) acts.appendChild(actButton("replies", T.replies));
    li.appendChild(acts);
    li.appendChild(node("ul", "ft-replies"));
    return li;
  }
  function actButton(act, text, cls) {
    var b = node("button", "ft-link-button" + (cls ? " " + cls : ""), text);
    b.type = "button";
    b.dataset.act = act;
    return b;
  }
  function renderTree(ul, children) {
    ul.textContent = "";
    children.forEach(function (t) {
      var li = commentItem(t.comment);
      var r = li.querySelector('[data-act="replies"]');
      if (r) r.remove();
      ul.appendChild(li);
      renderTree(li.querySelector(".ft-replies"), t.children || []);
    });
  }
  var newForm = $("ft-comment-new");
  if (newForm) {
    newForm.hidden = false;
    newForm.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var ta = $("ft-comment-text");
      if (!ta.value.trim()) return;
      send(base + "/comment-threads", "POST", { text: ta.value })
        .then(function (r) {
          ta.value = "";
          var empty = $("ft-comments-empty");
          if (empty) empty.remove();
          var list = $("ft-comment-list");
          list.insertBefore(commentItem(r.comment), list.firstChild);
          say(commentStatus, "");
        })
        .catch(function (e) {
          say(commentStatus, e.message, true);
        });
    });
  }
  if (comments)
    comments.addEventListener("click", function (ev) {
      var b = ev.target.closest && ev.target.closest("button[data-act]");
      if (!b) return;
      var li = b.closest(".ft-comment");
      var id = li.dataset.id;
      var act = b.dataset.act;
      if (act === "replies") {
        ft.apiJson(base + "/comment-threads/" + li.dataset.thread)
          .then(function (tree) {
            renderTree(li.querySelector(".ft-replies"), tree.children || []);
            b.remove();
          })
          .catch(function (e) {
            say(commentStatus, e.message, true);
          });
      } else if (act === "delete") {
        if (!window.confirm(T.confirmDelete)) return;
        send(base + "/comments/" + id, "DELETE")
          .then(function () {
            li.querySelector(".ft-comment-head strong").textContent = T.deleted;
            var muted = li.querySelector(".ft-comment-head .ft-muted");
            if (muted) muted.textContent = muted.textContent.replace(/^.* · /, "");
            li.querySelector(".ft-comment-text").textContent = "";
            li.querySelector(".ft-comment-actions").textContent = "";
            delete li.dataset.mine;
          })
          .catch(function (e) {
            say(commentStatus, e.message, true);
          });
      } else if (act === "reply") {
        if (li.querySelector(":scope > .ft-reply-form")) return;
        var form = node("form", "ft-comment-form ft-reply-form");
        var label = node("label", "ft-visually-hidden", T.reply);
        var ta = node("textarea");
        ta.id = "ft-reply-text-" + id;
        ta.rows = 2;
        ta.required = true;
        label.htmlFor = ta.id;
        var post = node("button", "ft-button ft-button-primary", T.post);
        post.type = "submit";
        var cancel = node("button", "ft-button", T.cancel);
        cancel.type = "button";
        cancel.addEventListener("click", function () {
          form.remove();
        });
        form.appendChild(label);
        form.appendChild(ta);
        form.appendChild(post);
        form.appendChild(cancel);
        form.addEventListener("submit", function (e2) {
          e2.preventDefault();
          send(base + "/comments/" + id, "POST", { text: ta.value })
            .then(function (r) {
              form.remove();
              li.querySelector(".ft-replies").appendChild(commentItem(r.comment));
            })
            .catch(function (e) {
              say(commentStatus, e.message, true);
            });
        });
        li.insertBefore(form, li.querySelector(".ft-replies"));
        ta.focus();
      }
    });
  var more = $("ft-comments-more");
  if (more)
    more.addEventListener("click", function () {
      var list = $("ft-comment-list");
      var start = list.children.length;
      ft.apiJson(base + "/comment-threads?start=" + start + "&count=10&sort=" + encodeURIComponent(more.dataset.sort))
        .then(function (r) {
          (r.data || []).forEach(function (c) {
            if (!$("ft-comment-" + c.id)) list.appendChild(commentItem(c));
          });
          if (list.children.length >= r.total) more.remove();
        })
        .catch(function (e) {
          say(commentStatus, e.message, true);
        });
    });
})();
