/* Ferrotube client script: progressive enhancement of the server-rendered pages (upload,
   player, notifications); the session is the server's cookie. */
(function () {
  "use strict";

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

  // ---------------------------------------------------------------- session

  // The session lives in HttpOnly cookies that the sign-in form set: this script never holds a
  // token. What it changes carries the page's CSRF token, which the server rendered into the
  // page for this session only.
  function csrfToken() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.getAttribute("content") || "" : "";
  }

  function signedIn() {
    return !!(document.body && document.body.dataset.user);
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

  /** fetch() with the session cookie; changes carry the CSRF token. */
  function apiFetch(path, options) {
    options = options || {};
    var headers = new Headers(options.headers || {});
    if (!headers.has("Accept")) headers.set("Accept", "application/json");
    var method = (options.method || "GET").toUpperCase();
    if (method !== "GET" && method !== "HEAD" && csrfToken()) headers.set("X-CSRF-Token", csrfToken());
    var opts = Object.assign({}, options, { headers: headers, credentials: "same-origin" });
    return fetch(path, opts);
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
    if (!signedIn()) return Promise.resolve(null);
    if (!mePromise) {
      mePromise = apiJson("/api/v1/users/me").catch(function (err) {
        mePromise = null;
        throw err;
      });
    }
    return mePromise;
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
      if (csrfToken()) xhr.setRequestHeader("X-CSRF-Token", csrfToken());
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
   * The quality menu (`#ft-quality`): "Auto" lets hls.js pick a rendition by bandwidth, any
   * other entry holds one rendition of the ladder. While on Auto, the entry names the
   * rendition playing. Native HLS playback (Safari) picks by itself and shows no menu.
   */
  function qualityMenu(hls) {
    var box = $("ft-quality-box");
    var select = $("ft-quality");
    if (!box || !select) return;
    var auto = select.options[0];
    var autoText = auto.textContent;
    function label(level) {
      return level.height ? level.height + "p" : Math.round((level.bitrate || 0) / 1000) + " kbit/s";
    }
    hls.on(window.Hls.Events.MANIFEST_PARSED, function () {
      while (select.options.length > 1) select.remove(1);
      // hls.js orders the ladder by bitrate, lowest first; the menu shows the best first.
      for (var i = hls.levels.length - 1; i >= 0; i--) {
        select.appendChild(new Option(label(hls.levels[i]), String(i)));
      }
      select.value = "-1";
      box.hidden = hls.levels.length < 2;
    });
    hls.on(window.Hls.Events.LEVEL_SWITCHED, function (_event, data) {
      var level = hls.levels[data.level];
      select.dataset.playing = level ? label(level) : "";
      auto.textContent = hls.autoLevelEnabled && level ? autoText + " (" + label(level) + ")" : autoText;
    });
    select.addEventListener("change", function () {
      // A chosen rendition replaces what is buffered now; -1 hands the choice back to hls.js.
      hls.currentLevel = Number(select.value);
    });
  }

  /**
   * The user's autoPlayVideo setting (`<body data-autoplay="on">`) on the watch page. A
   * browser that wants a gesture first refuses: the viewer presses play, as without it.
   */
  function autoplay(video) {
    if (document.body.dataset.autoplay !== "on" || document.body.dataset.page !== "watch") return;
    var started = video.play();
    if (started && started.catch) started.catch(function () {});
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
    // The user's p2pEnabled setting (`<body data-p2p="off">`) keeps the player on HTTP.
    var p2p = document.body.dataset.p2p === "off" ? null : p2pConfig(video);
    if (p2p && !needsAuth && window.FerrotubeP2P && hlsJsSupported()) {
      // hls.js with peer-to-peer segments (the bundle in /client/player.js).
      video.dataset.player = "p2p";
      var p2pHls = window.FerrotubeP2P.createP2PPlayer(video, url, p2p, $("ft-p2p-stats"), {});
      watchErrors(p2pHls, statusEl);
      qualityMenu(p2pHls);
      p2pHls.loadSource(url);
      p2pHls.attachMedia(video);
      window.ferrotubeHls = p2pHls;
    } else if (video.canPlayType(HLS_TYPE) && !(needsAuth && hlsJsSupported())) {
      video.dataset.player = "native";
      video.src = url;
    } else if (hlsJsSupported()) {
      video.dataset.player = "hls.js";
      // Same-origin playlists and segments of private videos go with the session cookie.
      var hls = new window.Hls();
      watchErrors(hls, statusEl);
      qualityMenu(hls);
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
    autoplay(video);
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
    if (!signedIn()) return;
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
  function waitAndPlay(uuid, video, statusEl) {
    var first = true;
    function poll() {
      return apiFetch("/api/v1/videos/" + encodeURIComponent(uuid)).then(function (res) {
        return readJson(res).then(function (v) {
          if (!res.ok) {
            if (res.status === 401 || res.status === 403 || res.status === 404) {
              var msg =
                res.status === 404
                  ? "This video does not exist or was removed."
                  : signedIn()
                    ? "You are not allowed to watch this video."
                    : "This video is private. Sign in to watch it.";
              show(statusEl, msg);
              return;
            }
            throw new Error(errorMessage(res, v));
          }
          if (first) fillVideoInfo(v);
          first = false;
          var state = v.state || {};
          if (state.id === PUBLISHED) {
            hide(statusEl);
            startPlayer(video, playlistUrl(v), statusEl, false);
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
      waitAndPlay(uuid, video, statusEl);
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

  // ---------------------------------------------------------------- notifications (bell)

  // PeerTube's notification types this instance makes, as one line each.
  function describeNotification(n) {
    var video = n.video || (n.comment && n.comment.video) || (n.abuse && n.abuse.video);
    var vname = video ? video.name : "";
    var who = function (a) {
      return a ? a.displayName || a.name : "Someone";
    };
    switch (n.type) {
      case 1:
        return (n.video && n.video.channel ? who(n.video.channel) : "A channel") + " published a new video: " + vname;
      case 2:
        return who(n.comment && n.comment.account) + " commented on your video " + vname;
      case 3:
        return "A new abuse report was made" + (vname ? " on " + vname : "");
      case 6:
        return "Your video " + vname + " has been published";
      case 9:
        return who(n.account) + " signed up";
      case 10:
        return who(n.actorFollow && n.actorFollow.follower) + " follows " + (n.actorFollow ? n.actorFollow.following.displayName : "you");
      case 11:
        return who(n.comment && n.comment.account) + " mentioned you on " + vname;
      case 13:
        return (n.actorFollow ? n.actorFollow.follower.host : "An instance") + " follows your instance";
      case 15:
        return "Your abuse report changed state";
      case 20:
        return (n.registration ? n.registration.username : "Someone") + " asks to create an account";
      default:
        return "New notification";
    }
  }

  function notificationLink(n) {
    var video = n.video || (n.comment && n.comment.video);
    return video ? "/w/" + (video.shortUUID || video.uuid) : null;
  }

  function initBell() {
    var bell = $("ft-bell");
    if (!bell || !signedIn()) return;
    var button = $("ft-bell-button");
    var panel = $("ft-bell-panel");
    var items = $("ft-bell-items");
    var countEl = $("ft-bell-count");
    var empty = $("ft-bell-empty");
    var seen = {};
    var unread = 0;
    var helloSeen = false;

    function setCount(n) {
      unread = Math.max(0, n);
      countEl.textContent = unread > 99 ? "99+" : String(unread);
      if (unread > 0) countEl.hidden = false;
      else countEl.hidden = true;
      bell.dataset.unread = String(unread);
    }

    function add(n, atTop) {
      if (seen[n.id]) return false;
      seen[n.id] = true;
      var li = document.createElement("li");
      li.className = "ft-bell-item" + (n.read ? "" : " ft-unread");
      li.dataset.id = String(n.id);
      var link = notificationLink(n);
      var text = document.createElement(link ? "a" : "span");
      if (link) text.href = link;
      text.textContent = describeNotification(n);
      li.appendChild(text);
      if (atTop) items.insertBefore(li, items.firstChild);
      else items.appendChild(li);
      while (items.children.length > 20) items.removeChild(items.lastChild);
      empty.hidden = true;
      return true;
    }

    function loadList() {
      return apiJson("/api/v1/users/me/notifications?start=0&count=10&sort=-createdAt").then(function (page) {
        items.innerHTML = "";
        seen = {};
        (page.data || []).forEach(function (n) {
          add(n, false);
        });
        empty.hidden = items.children.length > 0;
      });
    }

    // The live stream (server-sent events, parsed by hand from fetch() so that the page can
    // stop it and read its errors).
    function listen() {
      if (!signedIn()) return;
      fetch("/api/v1/users/me/notifications/stream", {
        headers: { Accept: "text/event-stream" },
        credentials: "same-origin",
      })
        .then(function (res) {
          // Signed out meanwhile: nothing more to hear.
          if (res.status === 401) return;
          if (!res.ok || !res.body) throw new Error("stream " + res.status);
          var reader = res.body.getReader();
          var decoder = new TextDecoder();
          var buffer = "";
          function onFrame(frame) {
            var event = "message";
            var data = [];
            frame.split("\n").forEach(function (line) {
              if (line.indexOf("event:") === 0) event = line.slice(6).trim();
              else if (line.indexOf("data:") === 0) data.push(line.slice(5).replace(/^ /, ""));
            });
            if (data.length === 0) return;
            var body;
            try {
              body = JSON.parse(data.join("\n"));
            } catch (e) {
              return;
            }
            // A hello after a reconnection may count notifications made while the page was
            // not listening: the list is read again so that the panel shows them too.
            if (event === "hello") {
              setCount(body.unreadCount || 0);
              if (helloSeen) loadList();
              helloSeen = true;
            }
            else if (event === "notification") {
              if (add(body, true) && !body.read) setCount(unread + 1);
            } else if (event === "resync") loadList();
          }
          function pump() {
            return reader.read().then(function (r) {
              if (r.done) throw new Error("stream ended");
              buffer += decoder.decode(r.value, { stream: true }).replace(/\r\n/g, "\n");
              var i;
              while ((i = buffer.indexOf("\n\n")) >= 0) {
                onFrame(buffer.slice(0, i));
                buffer = buffer.slice(i + 2);
              }
              return pump();
            });
          }
          return pump();
        })
        .catch(function () {
          // Reconnect after a pause: a restart of the server or a dropped connection.
          setTimeout(listen, 3000);
        });
    }

    // The bell is a link to the notifications page; with this script it opens the panel.
    button.addEventListener("click", function (ev) {
      ev.preventDefault();
      var open = panel.hidden;
      panel.hidden = !open;
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
    $("ft-bell-readall").addEventListener("click", function () {
      apiFetch("/api/v1/users/me/notifications/read-all", { method: "POST" }).then(function (res) {
        if (!res.ok) return;
        setCount(0);
        Array.prototype.forEach.call(items.querySelectorAll(".ft-unread"), function (li) {
          li.classList.remove("ft-unread");
        });
      });
    });
    items.addEventListener("click", function (ev) {
      var li = ev.target.closest ? ev.target.closest("li") : null;
      if (!li || !li.classList.contains("ft-unread")) return;
      li.classList.remove("ft-unread");
      setCount(unread - 1);
      apiFetch("/api/v1/users/me/notifications/read", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ ids: [Number(li.dataset.id)] }),
      });
    });
    getMe().then(function (me) {
      if (!me) return;
      bell.hidden = false;
      loadList().then(listen, listen);
    }, function () {});
  }

  // ---------------------------------------------------------------- boot

  function boot() {
    var page = document.body.dataset.page;
    if (page === "watch" || page === "embed") initWatch();
    else if (page === "watch-playlist") initWatchPlaylist();
    initBell();
  }

  // For the area scripts (assets/<area>.js), which run after this one.
  window.ferrotube = {
    apiFetch: apiFetch,
    apiJson: apiJson,
    errorMessage: errorMessage,
    readJson: readJson,
    signedIn: signedIn,
    csrfToken: csrfToken,
    getMe: getMe,
    resumableUpload: resumableUpload,
    nextOffsetFromRange: nextOffsetFromRange,
  };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
})();
