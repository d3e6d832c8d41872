/* Deposit of documents from the folder page: each file is sent in chunks
 * with tus-js-client (vendor/tus-js-client, the tus protocol, see
 * opalexe_core/views/uploads.py), then deposited. Several files at once;
 * each has its progress bar, speed, remaining time, and pause, resume and
 * cancel buttons. An interrupted upload resumes where it stopped (a lost
 * connection is retried; after a reload, choosing the same file again
 * resumes it). The page's texts come from the form's data-msg-* attributes
 * (translated by the page). */
(function () {
  "use strict";
  var form = document.getElementById("depot");
  if (!form || !window.tus || !window.tus.isSupported) { return; }
  var list = document.getElementById("televersements");
  var template = document.getElementById("ligne-televersement");
  var data = form.dataset;
  var input = form.querySelector("input[type=file]");

  function size(bytes) {
    var units = [["Go", 1073741824], ["Mo", 1048576], ["ko", 1024]];
    for (var i = 0; i < units.length; i++) {
      if (bytes >= units[i][1]) { return (bytes / units[i][1]).toFixed(1).replace(".", ",") + " " + units[i][0]; }
    }
    return bytes + " o";
  }

  function duration(seconds) {
    seconds = Math.max(0, Math.round(seconds));
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    if (h) { return h + " h " + m + " min"; }
    if (m) { return m + " min " + s + " s"; }
    return s + " s";
  }

  function nature() {
    var checked = form.querySelector("input[name=nature]:checked");
    return checked ? checked.value : "";
  }

  function serverMessage(error) {
    var response = error && error.originalResponse;
    var body = response && response.getBody && response.getBody();
    if (body && body.length < 500) { return body; }
    return data.msgNetwork;
  }

  function start(file) {
    var row = template.content.firstElementChild.cloneNode(true);
    var bar = row.querySelector("progress");
    var status = row.querySelector(".status");
    var pause = row.querySelector(".pause"), resume = row.querySelector(".resume"), cancel = row.querySelector(".cancel");
    row.querySelector(".name").textContent = file.name + " (" + size(file.size) + ")";
    bar.setAttribute("aria-label", file.name);
    status.textContent = data.msgWaiting;
    list.appendChild(row);
    if (file.size > parseInt(data.maxSize, 10)) {
      status.textContent = data.msgFailed + " " + data.msgTooBig;
      row.classList.add("failed");
      pause.hidden = cancel.hidden = true;
      return;
    }
    var samples = [];  // [time, bytes] of the last seconds: the speed shown
    var upload = new tus.Upload(file, {
      endpoint: data.uploadUrl,
      chunkSize: parseInt(data.chunkSize, 10),
      retryDelays: [0, 1000, 3000, 5000, 10000, 20000, 30000],
      metadata: { filename: file.name, nature: nature(), replaces: data.replaces || "" },
      headers: { "X-CSRF-Token": data.csrf },
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true,
      onShouldRetry: function (error) {
        var status = error.originalResponse ? error.originalResponse.getStatus() : 0;
        return status === 0 || status === 409 || status === 423 || status >= 500;
      },
      onProgress: function (sent, total) {
        var now = Date.now();
        samples.push([now, sent]);
        while (samples.length > 2 && now - samples[0][0] > 5000) { samples.shift(); }
        var percent = total ? Math.floor(sent * 100 / total) : 100;
        bar.value = percent;
        row.querySelector(".percent").textContent = percent + " %";
        var first = samples[0], seconds = (now - first[0]) / 1000;
        if (seconds > 0.2 && sent > first[1]) {
          var speed = (sent - first[1]) / seconds;
          row.querySelector(".speed").textContent = size(speed) + data.msgPerSecond;
          row.querySelector(".eta").textContent = data.msgRemaining + " " + duration((total - sent) / speed);
        }
        status.textContent = data.msgSending;
      },
      onError: function (error) {
        status.textContent = data.msgFailed + " " + serverMessage(error);
        row.classList.add("failed");
        pause.hidden = resume.hidden = true;
      },
      onSuccess: function () {
        status.textContent = data.msgDepositing;
        pause.hidden = resume.hidden = cancel.hidden = true;
        deposit(upload.url, row, status);
      }
    });
    pause.addEventListener("click", function () {
      upload.abort();
      pause.hidden = true; resume.hidden = false;
      status.textContent = data.msgPaused;
      row.querySelector(".speed").textContent = row.querySelector(".eta").textContent = "";
      samples = [];
    });
    resume.addEventListener("click", function () {
      resume.hidden = true; pause.hidden = false;
      upload.start();
    });
    cancel.addEventListener("click", function () {
      upload.abort(true);
      pause.hidden = resume.hidden = cancel.hidden = true;
      status.textContent = data.msgCancelled;
      row.classList.add("cancelled");
    });
    upload.findPreviousUploads().then(function (previous) {
      if (previous.length) { upload.resumeFromPreviousUpload(previous[0]); }
      upload.start();
    });
  }

  // The deposit is retried when the server could not answer (a deposit made
  // at the same moment as others may lose its turn): the upload waits.
  function deposit(url, row, status, attempt) {
    attempt = attempt || 1;
    fetch(url + "/depot", { method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": data.csrf } })
      .then(function (response) {
        if (response.ok) { return response.json(); }
        if (response.status >= 500 && attempt < 5) {
          setTimeout(function () { deposit(url, row, status, attempt + 1); }, 1000 * attempt);
          return null;
        }
        return response.text().then(function (text) {
          throw new Error(text.length < 500 ? text : response.statusText);
        });
      })
      .then(function (document_) {
        if (!document_) { return; }
        status.textContent = data.msgDeposited + " ";
        var link = document.createElement("a");
        link.href = document_.url;
        link.textContent = document_.title;
        status.appendChild(link);
        row.classList.add("done");
        row.querySelector(".percent").textContent = "100 %";
        row.querySelector(".eta").textContent = "";
      })
      .catch(function (error) {
        status.textContent = data.msgFailed + " " + error.message;
        row.classList.add("failed");
      });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    Array.prototype.forEach.call(input.files, start);
    input.value = "";
  });
})();
