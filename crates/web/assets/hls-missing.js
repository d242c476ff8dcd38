/* Ferrotube: hls.js was not embedded when this server was built. */
(function () {
  "use strict";
  var msg =
    "ferrotube: hls.js is missing from this build (web/node_modules was absent). " +
    "Run `npm ci --prefix web` and rebuild the server. Only browsers with native HLS can play videos.";
  if (typeof console !== "undefined" && console.error) console.error(msg);
  window.FERROTUBE_HLS_MISSING = msg;
})();
