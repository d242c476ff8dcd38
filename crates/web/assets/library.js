/* My library: upload, edit and delete videos, channels and playlists through PeerTube's API. */
(function () {
  "use strict";
  var ft = window.ferrotube;
  function $(id) { return document.getElementById(id); }
  function text(key) { var t = $("ft-lib-texts"); return (t && t.dataset[key]) || ""; }
  function showError(el, err) {
    el = el || $("ft-lib-error");
    if (!el) return;
    el.textContent = (err && err.message) || String(err);
    el.hidden = false;
  }
  function val(form, name) { var f = form.elements[name]; return f ? f.value.trim() : ""; }
  function file(form, name) { var f = form.elements[name]; return f && f.files && f.files[0]; }
  function tags(s) {
    return s.split(",").map(function (t) { return t.trim(); }).filter(function (t) { return t; }).slice(0, 5);
  }
  function json(method, body) {
    return { method: method, headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
  }
  function sendImage(path, field, f) {
    var fd = new FormData();
    fd.append(field, f);
    return ft.apiJson(path, { method: "POST", body: fd });
  }
  function busy(form, on) {
    Array.prototype.forEach.call(form.querySelectorAll("button"), function (b) { b.disabled = on; });
  }

  // ------------------------------------------------------------ upload
  function initUpload() {
    var form = $("ft-upload-form");
    if (!form) return;
    var fileInput = $("ft-upload-file"), nameInput = $("ft-upload-name"), error = $("ft-upload-error");
    var bar = $("ft-upload-bar"), percent = $("ft-upload-percent"), status = $("ft-upload-status");
    fileInput.addEventListener("change", function () {
      var f = fileInput.files && fileInput.files[0];
      if (f && !nameInput.value) nameInput.value = f.name.replace(/\.[^.]+$/, "").slice(0, 120);
    });
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      error.hidden = true;
      var f = fileInput.files && fileInput.files[0];
      if (!f) return showError(error, text("chooseFile"));
      var meta = {
        name: nameInput.value.trim(),
        channelId: parseInt(val(form, "channelId"), 10),
        privacy: parseInt(val(form, "privacy"), 10),
        filename: f.name,
      };
      ["category", "licence"].forEach(function (k) { if (val(form, k)) meta[k] = parseInt(val(form, k), 10); });
      if (val(form, "language")) meta.language = val(form, "language");
      if (val(form, "description")) meta.description = val(form, "description");
      var t = tags(val(form, "tags"));
      if (t.length) meta.tags = t;
      busy(form, true);
      $("ft-upload-progress").hidden = false;
      var total = f.size || 1;
      var progress = function (bytes) {
        var pct = Math.min(100, Math.floor((bytes / total) * 100));
        bar.value = pct;
        percent.textContent = pct + "%";
      };
      progress(0);
      status.textContent = text("uploading");
      ft.resumableUpload(f, meta, progress, function (s) { status.textContent = s === "Uploading…" ? text("uploading") : s; }).then(
        function (video) {
          progress(total);
          status.textContent = text("processing");
          $("ft-upload-watch-link").href = "/w/" + encodeURIComponent(video.shortUUID || video.uuid);
          $("ft-upload-done").hidden = false;
          form.hidden = true;
        },
        function (err) {
          status.textContent = "";
          showError(error, err);
          busy(form, false);
        }
      );
    });
  }

  // ------------------------------------------------------------ my videos
  function initVideos() {
    document.addEventListener("click", function (ev) {
      var b = ev.target.closest("[data-delete-video]");
      if (!b || !window.confirm(text("confirmVideo") + "\n\n" + b.dataset.name)) return;
      b.disabled = true;
      ft.apiJson("/api/v1/videos/" + b.dataset.deleteVideo, { method: "DELETE" }).then(
        function () { b.closest("li").remove(); },
        function (err) { b.disabled = false; showError(null, err); }
      );
    });
  }

  function initVideoEdit() {
    var form = $("ft-edit-form");
    if (!form) return;
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var fd = new FormData();
      fd.append("name", val(form, "name"));
      fd.append("privacy", val(form, "privacy"));
      // Empty optional fields are left out (the API refuses an empty value).
      ["category", "licence", "language", "description", "support"].forEach(function (k) {
        if (val(form, k)) fd.append(k, val(form, k));
      });
      fd.append("commentsPolicy", val(form, "commentsPolicy"));
      fd.append("nsfw", String(form.elements.nsfw.checked));
      fd.append("downloadEnabled", String(form.elements.downloadEnabled.checked));
      tags(val(form, "tags")).forEach(function (t) { fd.append("tags[]", t); });
      var thumb = file(form, "thumbnailfile");
      if (thumb) fd.append("thumbnailfile", thumb);
      $("ft-edit-error").hidden = true;
      $("ft-edit-status").textContent = "";
      busy(form, true);
      ft.apiJson("/api/v1/videos/" + form.dataset.id, { method: "PUT", body: fd }).then(
        function () {
          busy(form, false);
          $("ft-edit-status").textContent = text("saved");
          if (thumb) location.reload();
        },
        function (err) { busy(form, false); showError($("ft-edit-error"), err); }
      );
    });
  }

  // ------------------------------------------------------------ channels
  function channelImages(handle, form) {
    var base = "/api/v1/video-channels/" + encodeURIComponent(handle);
    var p = Promise.resolve();
    var avatar = file(form, "avatarfile"), banner = file(form, "bannerfile");
    if (avatar) p = p.then(function () { return sendImage(base + "/avatar/pick", "avatarfile", avatar); });
    if (banner) p = p.then(function () { return sendImage(base + "/banner/pick", "bannerfile", banner); });
    return p;
  }

  function initChannels() {
    var create = $("ft-channel-create");
    if (create) create.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var name = val(create, "name");
      var body = { name: name, displayName: val(create, "displayName") };
      if (val(create, "description")) body.description = val(create, "description");
      if (val(create, "support")) body.support = val(create, "support");
      busy(create, true);
      ft.apiJson("/api/v1/video-channels", json("POST", body))
        .then(function () { return channelImages(name, create); })
        .then(
          function () { location.reload(); },
          function (err) { busy(create, false); showError(null, err); }
        );
    });
    document.addEventListener("submit", function (ev) {
      var form = ev.target.closest("[data-edit-channel]");
      if (!form) return;
      ev.preventDefault();
      var handle = form.dataset.editChannel;
      var body = { displayName: val(form, "displayName") };
      if (val(form, "description")) body.description = val(form, "description");
      if (val(form, "support")) body.support = val(form, "support");
      busy(form, true);
      ft.apiJson("/api/v1/video-channels/" + encodeURIComponent(handle), json("PUT", body))
        .then(function () { return channelImages(handle, form); })
        .then(
          function () { location.reload(); },
          function (err) { busy(form, false); showError(null, err); }
        );
    });
    document.addEventListener("click", function (ev) {
      var b = ev.target.closest("[data-delete-channel]");
      if (!b || !window.confirm(text("confirmChannel") + "\n\n" + b.dataset.name)) return;
      b.disabled = true;
      ft.apiJson("/api/v1/video-channels/" + encodeURIComponent(b.dataset.deleteChannel), { method: "DELETE" }).then(
        function () { b.closest("li").remove(); },
        function (err) { b.disabled = false; showError(null, err); }
      );
    });
  }

  // ------------------------------------------------------------ playlists
  function playlistForm(form) {
    var fd = new FormData();
    fd.append("displayName", val(form, "displayName"));
    fd.append("privacy", val(form, "privacy"));
    if (val(form, "description")) fd.append("description", val(form, "description"));
    if (val(form, "videoChannelId")) fd.append("videoChannelId", val(form, "videoChannelId"));
    var thumb = file(form, "thumbnailfile");
    if (thumb) fd.append("thumbnailfile", thumb);
    return fd;
  }

  function initPlaylists() {
    var create = $("ft-playlist-create");
    if (create) create.addEventListener("submit", function (ev) {
      ev.preventDefault();
      busy(create, true);
      ft.apiJson("/api/v1/video-playlists", { method: "POST", body: playlistForm(create) }).then(
        function (r) {
          var p = (r && r.videoPlaylist) || {};
          location.href = "/my-library/video-playlists/" + encodeURIComponent(p.shortUUID || p.uuid || p.id);
        },
        function (err) { busy(create, false); showError(null, err); }
      );
    });
    document.addEventListener("click", function (ev) {
      var b = ev.target.closest("[data-delete-playlist]");
      if (!b || !window.confirm(text("confirmPlaylist") + "\n\n" + b.dataset.name)) return;
      b.disabled = true;
      ft.apiJson("/api/v1/video-playlists/" + b.dataset.deletePlaylist, { method: "DELETE" }).then(
        function () { b.closest("li").remove(); },
        function (err) { b.disabled = false; showError(null, err); }
      );
    });
  }

  function initPlaylist() {
    var edit = $("ft-playlist-edit");
    if (edit) edit.addEventListener("submit", function (ev) {
      ev.preventDefault();
      busy(edit, true);
      ft.apiJson("/api/v1/video-playlists/" + edit.dataset.playlist, { method: "PUT", body: playlistForm(edit) }).then(
        function () { location.reload(); },
        function (err) { busy(edit, false); showError(null, err); }
      );
    });
    var add = $("ft-playlist-add");
    if (add) add.addEventListener("submit", function (ev) {
      ev.preventDefault();
      // A page address (…/w/{id}) or an identifier.
      var id = val(add, "video").replace(/[?#].*$/, "").replace(/\/+$/, "").split("/").pop();
      busy(add, true);
      ft.apiJson("/api/v1/videos/" + encodeURIComponent(id))
        .then(function (v) {
          return ft.apiJson("/api/v1/video-playlists/" + add.dataset.playlist + "/videos", json("POST", { videoId: v.id }));
        })
        .then(
          function () { location.reload(); },
          function (err) { busy(add, false); showError(null, err); }
        );
    });
    var list = $("ft-lib-elements");
    if (!list) return;
    var base = "/api/v1/video-playlists/" + list.dataset.playlist + "/videos";
    list.addEventListener("click", function (ev) {
      var li = ev.target.closest("li");
      var move = ev.target.closest("[data-move]");
      var remove = ev.target.closest("[data-remove-element]");
      if (!li || (!move && !remove)) return;
      var req;
      if (remove) {
        req = ft.apiJson(base + "/" + remove.dataset.removeElement, { method: "DELETE" });
      } else {
        var pos = parseInt(li.dataset.position, 10);
        var up = move.dataset.move === "-1";
        // PeerTube's reorder: the element at startPosition goes after insertAfterPosition.
        req = ft.apiJson(base + "/reorder", json("POST", { startPosition: pos, insertAfterPosition: up ? pos - 2 : pos + 1 }));
      }
      req.then(function () { location.reload(); }, function (err) { showError(null, err); });
    });
  }

  function boot() {
    var page = document.body.dataset.page;
    if (page === "library-upload") initUpload();
    else if (page === "library-videos") initVideos();
    else if (page === "library-video-edit") initVideoEdit();
    else if (page === "library-channels") initChannels();
    else if (page === "library-playlists") initPlaylists();
    else if (page === "library-playlist") initPlaylist();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
})();
