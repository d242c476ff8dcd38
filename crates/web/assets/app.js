/* Ferrotube client script: auth/nav, login, upload (resumable) and the player. */
(function () {
  "use strict";

  var TOKEN_KEY = "ferrotube.access_token";
  var REFRESH_KEY = "ferrotube.refresh_token";
  var USER_KEY = "ferrotube.username";
  var PUBLISHED = 1;
  // PeerTube VideoState values after which waiting is pointless.
  var FAILED_STATES = [7, 8, 11];
  var CHUNK_SIZE = 4 * 1024 * 1024;
  var MAX_CHUNK_RETRIES = 5;
  var POLL_MS = 2000;
  var PROGRESS_MS = 5000;

  function $(id) {
    return document.getElementById(id);
  }

  function show(el, text) {
    if (!el) return;
    if (text !== undefined) el.textContent = text;
    el.hidden = false;
  }

  function hide(el) {
    if (el) el.hidden = true;
  }

  function sleep(ms) {
    return new Promise(function (resolve) {
      setTimeout(resolve, ms);
    });
  }

  // ---------------------------------------------------------------- storage

  function store(key, value) {
    try {
      if (value === null || value === undefined) window.localStorage.removeItem(key);
      else window.localStorage.setItem(key, value);
    } catch (e) {
      /* storage disabled: stay signed out */
    }
  }

  function load(key) {
    try {
      return window.localStorage.getItem(key);
    } catch (e) {
      return null;
    }
  }

  function accessToken() {
    return load(TOKEN_KEY);
  }

  function clearAuth() {
    store(TOKEN_KEY, null);
    store(REFRESH_KEY, null);
    store(USER_KEY, null);
  }

  // ---------------------------------------------------------------- API

  /** Reads a problem+json (or any JSON) error body into a readable message. */
  function errorMessage(res, body) {
    if (body && typeof body === "object") {
      if (body.detail) return String(body.detail);
      if (body.error) return String(body.error);
      if (body.message) return String(body.message);
    }
    return "Request failed (HTTP " + res.status + (res.statusText ? " " + res.statusText : "") + ")";
  }

  function readJson(res) {
    return res.text().then(function (text) {
      if (!text) return null;
      try {
        return JSON.parse(text);
      } catch (e) {
        return null;
      }
    });
  }

  function getLocalClient() {
    return fetch("/api/v1/oauth-clients/local", { headers: { Accept: "application/json" } }).then(function (res) {
      return readJson(res).then(function (body) {
        if (!res.ok || !body || !body.client_id) throw new Error(errorMessage(res, body));
        return body;
      });
    });
  }

  function requestToken(params) {
    return getLocalClient().then(function (client) {
      var form = new URLSearchParams();
      form.set("client_id", client.client_id);
      form.set("client_secret", client.client_secret);
      Object.keys(params).forEach(function (k) {
        form.set(k, params[k]);
      });
      return fetch("/api/v1/users/token", {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
        body: form.toString(),
      }).then(function (res) {
        return readJson(res).then(function (body) {
          if (!res.ok || !body || !body.access_token) throw new Error(errorMessage(res, body));
          store(TOKEN_KEY, body.access_token);
          if (body.refresh_token) store(REFRESH_KEY, body.refresh_token);
          return body;
        });
      });
    });
  }

  var refreshing = null;

  function refreshToken() {
    var refresh = load(REFRESH_KEY);
    if (!refresh) return Promise.resolve(false);
    if (!refreshing) {
      refreshing = requestToken({ grant_type: "refresh_token", refresh_token: refresh })
        .then(function () {
          return true;
        })
        .catch(function () {
          clearAuth();
          return false;
        })
        .then(function (ok) {
          refreshing = null;
          return ok;
        });
    }
    return refreshing;
  }

  /** fetch() with the stored bearer token; refreshes it once on 401. */
  function apiFetch(path, options, retried) {
    options = options || {};
    var headers = new Headers(options.headers || {});
    if (!headers.has("Accept")) headers.set("Accept", "application/json");
    var token = accessToken();
    if (token) headers.set("Authorization", "Bearer " + token);
    var opts = Object.assign({}, options, { headers: headers });
    return fetch(path, opts).then(function (res) {
      if (res.status === 401 && token && !retried) {
        return refreshToken().then(function (ok) {
          if (ok) return apiFetch(path, options, true);
          return res;
        });
      }
      return res;
    });
  }

  function apiJson(path, options) {
    return apiFetch(path, options).then(function (res) {
      return readJson(res).then(function (body) {
        if (!res.ok) {
          var err = new Error(errorMessage(res, body));
          err.status = res.status;
          throw err;
        }
        return body;
      });
    });
  }

  var mePromise = null;

  function getMe() {
    if (!accessToken()) return Promise.resolve(null);
    if (!mePromise) {
      mePromise = apiJson("/api/v1/users/me").catch(function (err) {
        if (err.status === 401) clearAuth();
        mePromise = null;
        throw err;
      });
    }
    return mePromise;
  }

  // ---------------------------------------------------------------- nav

  function renderNav(username) {
    var user = $("ft-nav-user");
    var login = $("ft-nav-login");
    var logout = $("ft-nav-logout");
    if (username) {
      show(user, username);
      hide(login);
      show(logout);
    } else {
      hide(user);
      show(login);
      hide(logout);
    }
  }

  function initNav() {
    var logout = $("ft-nav-logout");
    if (logout) {
      logout.addEventListener("click", function () {
        var token = accessToken();
        clearAuth();
        renderNav(null);
        var done = function () {
          window.location.href = "/";
        };
        if (token) {
          fetch("/api/v1/users/revoke-token", {
            method: "POST",
            headers: { Authorization: "Bearer " + token },
          }).then(done, done);
        } else {
          done();
        }
      });
    }
    if (!accessToken()) {
      renderNav(null);
      return;
    }
    renderNav(load(USER_KEY) || "…");
    getMe().then(
      function (me) {
        if (me && me.username) {
          store(USER_KEY, me.username);
          renderNav(me.username);
        } else {
          renderNav(null);
        }
      },
      function () {
        renderNav(accessToken() ? load(USER_KEY) || "…" : null);
      }
    );
  }

  // ---------------------------------------------------------------- login

  function initLogin() {
    var form = $("ft-login-form");
    if (!form) return;
    var error = $("ft-login-error");
    var submit = $("ft-login-submit");
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      hide(error);
      submit.disabled = true;
      var username = $("ft-login-username").value.trim();
      var password = $("ft-login-password").value;
      requestToken({ grant_type: "password", response_type: "code", username: username, password: password })
        .then(function () {
          store(USER_KEY, username);
          var next = new URLSearchParams(window.location.search).get("next");
          window.location.href = next && next.charAt(0) === "/" && next.charAt(1) !== "/" ? next : "/";
        })
        .catch(function (err) {
          show(error, err.message || String(err));
          submit.disabled = false;
        });
    });
  }

  // ---------------------------------------------------------------- upload

  /** Parses a `Range: bytes=0-N` header into the next offset (N + 1). */
  function nextOffsetFromRange(range) {
    if (!range) return 0;
    var m = /bytes=(\d+)-(\d+)/.exec(range);
    return m ? parseInt(m[2], 10) + 1 : 0;
  }

  /**
   * PUTs one request of the resumable protocol with XHR (for upload progress).
   * Resolves {status, range, body}; rejects on network errors.
   */
  function putChunk(url, contentRange, body, onProgress) {
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      xhr.open("PUT", url);
      var token = accessToken();
      if (token) xhr.setRequestHeader("Authorization", "Bearer " + token);
      xhr.setRequestHeader("Content-Range", contentRange);
      if (body) xhr.setRequestHeader("Content-Type", "application/octet-stream");
      if (onProgress && xhr.upload) {
        xhr.upload.onprogress = function (ev) {
          if (ev.lengthComputable) onProgress(ev.loaded);
        };
      }
      xhr.onload = function () {
        var parsed = null;
        if (xhr.responseText) {
          try {
            parsed = JSON.parse(xhr.responseText);
          } catch (e) {
            parsed = null;
          }
        }
        resolve({ status: xhr.status, range: xhr.getResponseHeader("Range"), body: parsed });
      };
      xhr.onerror = function () {
        reject(new Error("network error"));
      };
      xhr.onabort = function () {
        reject(new Error("upload aborted"));
      };
      xhr.send(body || null);
    });
  }

  function isRetryable(status) {
    return status === 0 || status === 408 || status === 429 || status >= 500;
  }

  /**
   * Uploads `file` with PeerTube's resumable protocol. `meta` is the JSON body
   * of the initial POST. Returns the `video` object of the final response.
   */
  function resumableUpload(file, meta, onProgress, onStatus) {
    var total = file.size;
    var init = apiFetch("/api/v1/videos/upload-resumable", {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "X-Upload-Content-Length": String(total),
        "X-Upload-Content-Type": file.type || "application/octet-stream",
      },
      body: JSON.stringify(meta),
    });
    return init.then(function (res) {
      if (res.status !== 201 && res.status !== 200) {
        return readJson(res).then(function (body) {
          throw new Error(errorMessage(res, body));
        });
      }
      var location = res.headers.get("Location");
      if (!location) throw new Error("The server did not return an upload location");
      // Location is protocol-relative (//host/path?upload_id=...).
      var url = new URL(location, window.location.href).toString();
      var offset = 0;
      var retries = 0;

      function askOffset() {
        return putChunk(url, "bytes */" + total, null, null).then(function (r) {
          if (r.status === 308) return { offset: nextOffsetFromRange(r.range) };
          if (r.status === 200 || r.status === 201) return { done: r.body };
          throw Object.assign(new Error("Cannot resume upload (HTTP " + r.status + ")"), { status: r.status });
        });
      }

      function retry(reason) {
        retries += 1;
        if (retries > MAX_CHUNK_RETRIES) throw new Error("Upload failed: " + reason);
        var wait = Math.min(1000 * Math.pow(2, retries - 1), 10000);
        onStatus("Connection problem (" + reason + "), retrying in " + Math.round(wait / 1000) + " s…");
        return sleep(wait)
          .then(askOffset)
          .then(
            function (r) {
              if (r.done) return r.done;
              offset = r.offset;
              onProgress(offset);
              return step();
            },
            function (err) {
              if (err.status && !isRetryable(err.status)) throw err;
              return retry(err.message);
            }
          );
      }

      function step() {
        if (offset >= total && total > 0) {
          // Everything was acknowledged but no final answer seen: ask for it.
          return askOffset().then(function (r) {
            if (r.done) return r.done;
            offset = r.offset;
            return step();
          });
        }
        var end = Math.min(offset + CHUNK_SIZE, total) - 1;
        var start = offset;
        onStatus("Uploading…");
        return putChunk(url, "bytes " + start + "-" + end + "/" + total, file.slice(start, end + 1), function (loaded) {
          onProgress(start + loaded);
        }).then(
          function (r) {
            if (r.status === 308) {
              retries = 0;
              var next = r.range ? nextOffsetFromRange(r.range) : end + 1;
              offset = next;
              onProgress(offset);
              return step();
            }
            if (r.status === 200 || r.status === 201) {
              onProgress(total);
              return r.body;
            }
            if (isRetryable(r.status)) return retry("HTTP " + r.status);
            throw new Error(errorMessage({ status: r.status, statusText: "" }, r.body));
          },
          function (err) {
            return retry(err.message);
          }
        );
      }

      return step().then(function (body) {
        var video = body && body.video;
        if (!video) throw new Error("Upload finished but the server returned no video");
        return video;
      });
    });
  }

  function initUpload() {
    var form = $("ft-upload-form");
    if (!form) return;
    var signin = $("ft-upload-signin");
    var channelSelect = $("ft-upload-channel");
    var fileInput = $("ft-upload-file");
    var nameInput = $("ft-upload-name");
    var submit = $("ft-upload-submit");
    var error = $("ft-upload-error");
    var bar = $("ft-upload-bar");
    var percent = $("ft-upload-percent");
    var status = $("ft-upload-status");

    if (!accessToken()) {
      show(signin);
      hide(form);
      return;
    }
    submit.disabled = true;
    getMe().then(
      function (me) {
        var channels = (me && me.videoChannels) || [];
        channelSelect.textContent = "";
        channels.forEach(function (c) {
          var opt = document.createElement("option");
          opt.value = String(c.id);
          opt.textContent = c.displayName ? c.displayName + " (" + c.name + ")" : c.name;
          channelSelect.appendChild(opt);
        });
        if (channels.length === 0) show(error, "Your account has no channel to upload to.");
        else submit.disabled = false;
      },
      function (err) {
        if (!accessToken()) {
          show(signin);
          hide(form);
        } else {
          show(error, "Could not load your account: " + err.message);
        }
      }
    );

    fileInput.addEventListener("change", function () {
      var f = fileInput.files && fileInput.files[0];
      if (f && !nameInput.value) nameInput.value = f.name.replace(/\.[^.]+$/, "").slice(0, 120);
    });

    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      hide(error);
      var file = fileInput.files && fileInput.files[0];
      if (!file) {
        show(error, "Choose a file to upload.");
        return;
      }
      var meta = {
        name: nameInput.value.trim(),
        channelId: parseInt(channelSelect.value, 10),
        privacy: parseInt($("ft-upload-privacy").value, 10),
        filename: file.name,
      };
      var description = $("ft-upload-description").value.trim();
      if (description) meta.description = description;
      submit.disabled = true;
      show($("ft-upload-progress"));
      var total = file.size || 1;
      var setProgress = function (bytes) {
        var pct = Math.min(100, Math.floor((bytes / total) * 100));
        bar.value = pct;
        percent.textContent = pct + "%";
      };
      setProgress(0);
      resumableUpload(file, meta, setProgress, function (text) {
        status.textContent = text;
      }).then(
        function (video) {
          setProgress(total);
          status.textContent = "Upload complete. The video is being processed.";
          var link = $("ft-upload-watch-link");
          link.href = "/w/" + encodeURIComponent(video.shortUUID || video.uuid);
          show($("ft-upload-done"));
          hide(form);
        },
        function (err) {
          status.textContent = "";
          show(error, err.message || String(err));
          submit.disabled = false;
        }
      );
    });
  }

  // ---------------------------------------------------------------- player

  var HLS_TYPE = "application/vnd.apple.mpegurl";

  function hlsJsSupported() {
    return !!(window.Hls && window.Hls.isSupported());
  }

  /** The page's P2P player settings (`data-p2p`), or null. */
  function p2pConfig(video) {
    if (!video.dataset.p2p) return null;
    try {
      return JSON.parse(video.dataset.p2p);
    } catch (e) {
      return null;
    }
  }

  /** Recovers from fatal hls.js errors where it can, else says so. */
  function watchErrors(hls, statusEl) {
    hls.on(window.Hls.Events.ERROR, function (_event, data) {
      if (!data.fatal) return;
      if (data.type === window.Hls.ErrorTypes.NETWORK_ERROR) {
        hls.startLoad();
      } else if (data.type === window.Hls.ErrorTypes.MEDIA_ERROR) {
        hls.recoverMediaError();
      } else {
        show(statusEl, "Playback error: " + (data.details || "unknown"));
        hls.destroy();
      }
    });
  }

  /**
   * Plays `url` natively when the browser can (Safari, recent Chrome), else
   * with hls.js. `needsAuth` (private videos) prefers hls.js, which can send
   * the bearer token with playlist and segment requests.
   */
  function startPlayer(video, url, statusEl, needsAuth) {
    if (!url) {
      show(statusEl, "This video has no playable stream.");
      return;
    }
    video.dataset.hlsSrc = url;
    var p2p = p2pConfig(video);
    if (p2p && !needsAuth && window.FerrotubeP2P && hlsJsSupported()) {
      // hls.js with peer-to-peer segments (the bundle in /client/player.js).
      video.dataset.player = "p2p";
      var p2pHls = window.FerrotubeP2P.createP2PPlayer(video, url, p2p, $("ft-p2p-stats"), {});
      watchErrors(p2pHls, statusEl);
      p2pHls.loadSource(url);
      p2pHls.attachMedia(video);
      window.ferrotubeHls = p2pHls;
    } else if (video.canPlayType(HLS_TYPE) && !(needsAuth && hlsJsSupported())) {
      video.dataset.player = "native";
      video.src = url;
    } else if (hlsJsSupported()) {
      video.dataset.player = "hls.js";
      var hls = new window.Hls({
        // Same-origin playlists/segments of private videos need the bearer token.
        xhrSetup: function (xhr, reqUrl) {
          var token = accessToken();
          if (!token || new URL(reqUrl, window.location.href).origin !== window.location.origin) return;
          xhr.open("GET", reqUrl, true);
          xhr.setRequestHeader("Authorization", "Bearer " + token);
        },
      });
      watchErrors(hls, statusEl);
      hls.loadSource(url);
      hls.attachMedia(video);
      window.ferrotubeHls = hls;
    } else {
      video.dataset.player = "none";
      show(
        statusEl,
        window.FERROTUBE_HLS_MISSING || "Your browser cannot play HLS video (no Media Source Extensions support)."
      );
      return;
    }
    video.dataset.ready = "true";
  }

  function registerView(video, uuid) {
    var sent = false;
    video.addEventListener("playing", function () {
      if (sent) return;
      sent = true;
      apiFetch("/api/v1/videos/" + encodeURIComponent(uuid) + "/views", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ currentTime: Math.floor(video.currentTime || 0) }),
      }).catch(function () {
        /* a lost view is not worth bothering the viewer */
      });
    });
  }

  /**
   * Signed-in viewers: resumes where they stopped (`userHistory.currentTime`) and reports
   * progress every few seconds and on pause (PUT /videos/{id}/watching).
   */
  function trackProgress(video, uuid) {
    if (!accessToken()) return;
    var path = "/api/v1/videos/" + encodeURIComponent(uuid);
    var lastSent = -1;
    var lastAt = 0;
    function report(force) {
      var t = Math.floor(video.currentTime || 0);
      var now = Date.now();
      if (t === lastSent || (!force && now - lastAt < PROGRESS_MS)) return;
      lastSent = t;
      lastAt = now;
      apiFetch(path + "/watching", {
        method: "PUT",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ currentTime: t }),
      }).catch(function () {
        /* progress is best effort */
      });
    }
    video.addEventListener("timeupdate", function () {
      report(false);
    });
    video.addEventListener("pause", function () {
      report(true);
    });
    apiFetch(path)
      .then(function (res) {
        return res.ok ? res.json() : null;
      })
      .then(function (v) {
        var at = v && v.userHistory && v.userHistory.currentTime;
        if (!at) return;
        function resume() {
          // Near the end means watched: start over, as PeerTube does.
          if (!video.duration || at < video.duration - 2) video.currentTime = at;
          video.dataset.resumedAt = String(at);
        }
        if (video.readyState >= 1) resume();
        else video.addEventListener("loadedmetadata", resume, { once: true });
      })
      .catch(function () {
        /* no history: play from the start */
      });
  }

  function fillVideoInfo(v) {
    var title = $("ft-video-title");
    if (title) title.textContent = v.name || "";
    if (v.name) document.title = v.name + " - " + document.title.replace(/^.* - /, "");
    var channel = $("ft-video-channel");
    if (channel && v.channel) {
      channel.textContent = v.channel.displayName || v.channel.name || "";
      channel.title = v.channel.name || "";
    }
    var views = $("ft-video-views");
    if (views && typeof v.views === "number") views.textContent = v.views === 1 ? "1 view" : v.views + " views";
    var description = $("ft-video-description");
    if (description && description.textContent === "" && v.description) description.textContent = v.description;
  }

  function playlistUrl(v) {
    var pl = v && v.streamingPlaylists;
    return pl && pl.length > 0 ? pl[0].playlistUrl : "";
  }

  /** Polls the API until the video is published, then starts the player. */
  function waitAndPlay(uuid, video, statusEl, shell) {
    var first = true;
    function poll() {
      return apiFetch("/api/v1/videos/" + encodeURIComponent(uuid)).then(function (res) {
        return readJson(res).then(function (v) {
          if (!res.ok) {
            if (res.status === 401 || res.status === 403 || res.status === 404) {
              var msg =
                res.status === 404
                  ? "This video does not exist or was removed."
                  : accessToken()
                    ? "You are not allowed to watch this video."
                    : "This video is private. Sign in to watch it.";
              show(statusEl, msg);
              if (shell && $("ft-video-title")) $("ft-video-title").textContent = "Video unavailable";
              return;
            }
            throw new Error(errorMessage(res, v));
          }
          if (shell || first) fillVideoInfo(v);
          first = false;
          var state = v.state || {};
          if (state.id === PUBLISHED) {
            hide(statusEl);
            startPlayer(video, playlistUrl(v), statusEl, shell && !!accessToken());
            return;
          }
          if (FAILED_STATES.indexOf(state.id) >= 0) {
            show(statusEl, "Processing this video failed (" + (state.label || state.id) + ").");
            return;
          }
          show(statusEl, "This video is being processed (" + (state.label || "pending") + "). It will start playing here when it is ready.");
          return sleep(POLL_MS).then(poll);
        });
      }).catch(function (err) {
        show(statusEl, "Could not load the video (" + err.message + "), retrying…");
        return sleep(POLL_MS * 2).then(poll);
      });
    }
    return poll();
  }

  // ---------------------------------------------------------------- captions, chapters, storyboard

  function clock(secs) {
    var s = Math.max(0, Math.floor(secs || 0));
    var h = Math.floor(s / 3600);
    var m = Math.floor((s % 3600) / 60);
    var ss = String(s % 60).padStart(2, "0");
    return h ? h + ":" + String(m).padStart(2, "0") + ":" + ss : m + ":" + ss;
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  /** Caption tracks (`<track>`, shown by our own line so they sit above the controls) and a menu to pick one. */
  function addCaptions(video, player, bar, captions) {
    if (!captions.length) return;
    var line = el("div", "ft-caption-line");
    line.id = "ft-caption-line";
    line.hidden = true;
    player.appendChild(line);
    var tracks = captions.map(function (c) {
      var t = document.createElement("track");
      t.kind = "subtitles";
      t.srclang = c.language.id;
      t.label = c.language.label;
      t.src = c.captionPath;
      video.appendChild(t);
      return t;
    });
    var select = el("select", "ft-caption-select");
    select.id = "ft-captions";
    select.setAttribute("aria-label", "Captions");
    select.appendChild(new Option("Captions off", ""));
    captions.forEach(function (c) {
      select.appendChild(new Option(c.language.label, c.language.id));
    });
    function show() {
      var cues = [];
      tracks.forEach(function (t) {
        if (t.track.mode !== "hidden" || !t.track.activeCues) return;
        for (var i = 0; i < t.track.activeCues.length; i++) cues.push(t.track.activeCues[i].text);
      });
      line.textContent = cues.join("\n");
      line.hidden = cues.length === 0;
    }
    tracks.forEach(function (t) {
      t.track.mode = "disabled";
      t.track.addEventListener("cuechange", show);
    });
    select.addEventListener("change", function () {
      tracks.forEach(function (t) {
        t.track.mode = t.srclang === select.value ? "hidden" : "disabled";
      });
      video.dataset.caption = select.value;
      show();
    });
    video.addEventListener("timeupdate", show);
    bar.appendChild(select);
  }

  /** The seek bar under the video: chapter marks, and the storyboard sprite of the time under the pointer. */
  function addSeekBar(video, player, duration, chapters, board) {
    var wrap = el("div", "ft-seekbar");
    wrap.id = "ft-seekbar";
    var track = el("div", "ft-seekbar-track");
    var played = el("div", "ft-seekbar-played");
    track.appendChild(played);
    var length = function () {
      return isFinite(video.duration) && video.duration > 0 ? video.duration : duration;
    };
    var marks = [];
    chapters.forEach(function (c) {
      if (!c.timecode) return;
      var mark = el("span", "ft-seekbar-mark");
      mark.title = c.title;
      marks.push({ el: mark, at: c.timecode });
      track.appendChild(mark);
    });
    function placeMarks() {
      var d = length();
      marks.forEach(function (m) {
        m.el.hidden = !(d > 0);
        m.el.style.left = (100 * m.at) / Math.max(d, 1) + "%";
      });
    }
    placeMarks();
    video.addEventListener("durationchange", placeMarks);
    var tip = el("div", "ft-seekbar-tip");
    tip.id = "ft-storyboard-tip";
    tip.hidden = true;
    var sprite = el("div", "ft-storyboard");
    sprite.id = "ft-storyboard";
    var label = el("div", "ft-seekbar-label");
    if (board) {
      sprite.style.width = board.spriteWidth + "px";
      sprite.style.height = board.spriteHeight + "px";
      sprite.style.backgroundImage = "url(" + JSON.stringify(board.storyboardPath) + ")";
      tip.appendChild(sprite);
    }
    tip.appendChild(label);
    wrap.appendChild(track);
    wrap.appendChild(tip);
    function timeAt(ev) {
      var r = track.getBoundingClientRect();
      var x = Math.min(Math.max(ev.clientX - r.left, 0), r.width);
      return { t: (x / Math.max(r.width, 1)) * length(), x: x };
    }
    track.addEventListener("mousemove", function (ev) {
      var at = timeAt(ev);
      var chapter = null;
      chapters.forEach(function (c) {
        if (c.timecode <= at.t) chapter = c;
      });
      label.textContent = clock(at.t) + (chapter ? " · " + chapter.title : "");
      if (board) {
        var columns = Math.max(1, Math.round(board.totalWidth / board.spriteWidth));
        var rows = Math.max(1, Math.round(board.totalHeight / board.spriteHeight));
        var index = Math.min(Math.floor(at.t / Math.max(board.spriteDuration, 1)), columns * rows - 1);
        var col = index % columns;
        var row = Math.floor(index / columns);
        sprite.style.backgroundPosition = -col * board.spriteWidth + "px " + -row * board.spriteHeight + "px";
        sprite.dataset.sprite = String(index);
      }
      tip.hidden = false;
      var half = tip.offsetWidth / 2;
      tip.style.left = Math.min(Math.max(at.x - half, 0), Math.max(track.clientWidth - tip.offsetWidth, 0)) + "px";
    });
    track.addEventListener("mouseleave", function () {
      tip.hidden = true;
    });
    track.addEventListener("click", function (ev) {
      video.currentTime = timeAt(ev).t;
    });
    video.addEventListener("timeupdate", function () {
      played.style.width = (100 * video.currentTime) / Math.max(length(), 1) + "%";
    });
    player.parentNode.insertBefore(wrap, player.nextSibling);
    return wrap;
  }

  function addChapterList(video, bar, chapters) {
    if (!chapters.length) return;
    var list = el("ol", "ft-chapters");
    list.id = "ft-chapters";
    list.setAttribute("aria-label", "Chapters");
    chapters.forEach(function (c) {
      var item = el("li");
      var b = el("button", "ft-link-button ft-chapter");
      b.type = "button";
      b.appendChild(el("time", null, clock(c.timecode)));
      b.appendChild(document.createTextNode(" " + c.title));
      b.addEventListener("click", function () {
        video.currentTime = c.timecode;
      });
      item.appendChild(b);
      list.appendChild(item);
    });
    bar.parentNode.insertBefore(list, bar.nextSibling);
  }

  function initExtras(section, video, uuid) {
    var player = video.parentNode;
    var base = "/api/v1/videos/" + encodeURIComponent(uuid);
    var none = function (key) {
      return function () {
        var o = {};
        o[key] = [];
        return o;
      };
    };
    // Captions first: a video this viewer may not see (a private one, anonymously) stops here
    // with one refused request instead of three.
    apiJson(base + "/captions")
      .then(function (captions) {
        return Promise.all([
          captions,
          apiJson(base + "/chapters").catch(none("chapters")),
          apiJson(base + "/storyboards").catch(none("storyboards")),
        ]);
      })
      .then(function (r) {
        var chapters = r[1].chapters || [];
        var board = (r[2].storyboards || [])[0] || null;
        // The length is the player's once it knows it (durationchange).
        var seek = addSeekBar(video, player, 0, chapters, board);
        var bar = el("div", "ft-player-extras");
        bar.id = "ft-player-extras";
        seek.parentNode.insertBefore(bar, seek.nextSibling);
        addCaptions(video, player, bar, r[0].data || []);
        addChapterList(video, bar, chapters);
        section.dataset.extras = "ready";
      })
      .catch(function () {});
  }

  function initWatch() {
    var section = $("ft-watch");
    var video = $("ft-video");
    if (!section || !video) return;
    var uuid = section.dataset.uuid;
    var statusEl = $("ft-player-status");
    registerView(video, uuid);
    if (document.body.dataset.page !== "embed") trackProgress(video, uuid);
    // The embed fills its frame with the video: no room below it for the extras.
    if (document.body.dataset.page !== "embed") initExtras(section, video, uuid);
    if (section.dataset.published === "true" && video.dataset.hlsSrc) {
      startPlayer(video, video.dataset.hlsSrc, statusEl, false);
    } else {
      waitAndPlay(uuid, video, statusEl, section.dataset.shell === "true");
    }
  }

  // ---------------------------------------------------------------- playlist

  /**
   * The playlist watch page: plays the elements one after the other, each from its start
   * timestamp to its stop timestamp (or its end), skipping those the viewer cannot play.
   * `window.ferrotubePlaylist.log` records what happened, in order.
   */
  function initWatchPlaylist() {
    var list = $("ft-playlist-items");
    var video = $("ft-video");
    if (!list || !video) return;
    var statusEl = $("ft-player-status");
    var items = Array.prototype.slice.call(list.querySelectorAll(".ft-playlist-item"));
    // `started`: the element whose media is loaded (events of the one before are ignored).
    var state = { current: -1, started: -1, log: [] };
    window.ferrotubePlaylist = state;
    var num = function (v) {
      return v === "" || v === undefined ? null : Number(v);
    };
    function finish(reason) {
      var i = state.current;
      if (i < 0 || state.started !== i) return;
      state.log.push({ index: i, event: "end", reason: reason, time: video.currentTime });
      play(i + 1);
    }
    function play(i) {
      while (i < items.length && !items[i].dataset.hlsSrc) {
        items[i].classList.add("ft-unavailable");
        i++;
      }
      if (window.ferrotubeHls) {
        window.ferrotubeHls.destroy();
        window.ferrotubeHls = null;
      }
      items.forEach(function (el) {
        el.classList.remove("ft-current");
      });
      if (i >= items.length) {
        state.current = -1;
        video.dataset.finished = "true";
        video.pause();
        return;
      }
      var item = items[i];
      state.current = i;
      video.dataset.current = String(i);
      video.dataset.ready = "false";
      item.classList.add("ft-current");
      var title = $("ft-video-title");
      if (title) title.textContent = item.dataset.name || "";
      var start = num(item.dataset.start);
      video.addEventListener(
        "loadedmetadata",
        function () {
          if (state.current !== i) return;
          if (start) video.currentTime = start;
          state.started = i;
          state.log.push({ index: i, event: "start", time: video.currentTime });
          var p = video.play();
          if (p && p.catch) p.catch(function () {});
        },
        { once: true }
      );
      startPlayer(video, item.dataset.hlsSrc, statusEl, false);
      registerView(video, item.dataset.uuid);
    }
    video.addEventListener("timeupdate", function () {
      var i = state.current;
      if (i < 0 || state.started !== i) return;
      var stop = num(items[i].dataset.stop);
      if (stop !== null && video.currentTime >= stop) finish("stop");
    });
    video.addEventListener("ended", function () {
      finish("ended");
    });
    items.forEach(function (el, i) {
      var a = el.querySelector("a");
      if (!a) return;
      a.addEventListener("click", function (ev) {
        if (!el.dataset.hlsSrc) return;
        ev.preventDefault();
        play(i);
      });
    });
    if (items.length === 0) {
      show(statusEl, "This playlist is empty.");
      return;
    }
    play(0);
  }

  // ---------------------------------------------------------------- boot

  function boot() {
    initNav();
    var page = document.body.dataset.page;
    if (page === "login") initLogin();
    else if (page === "upload") initUpload();
    else if (page === "watch" || page === "watch-shell" || page === "embed") initWatch();
    else if (page === "watch-playlist") initWatchPlaylist();
  }

  window.ferrotube = {
    apiFetch: apiFetch,
    resumableUpload: resumableUpload,
    nextOffsetFromRange: nextOffsetFromRange,
  };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
})();
