/*!
 * Smart-City-Assistent – embeddable chat widget.
 *
 *   <script src="https://HOST/widget.js" data-title="Fragen zu Smart Cities"
 *           data-lang="de" data-accent="#0a5" defer></script>
 *
 * Options (data-*): title, lang (de|en), accent (#rgb or #rrggbb), position (right|left),
 * api (base URL of the service; default: where this script was loaded from),
 * max-history (turns sent along, default 10).
 *
 * Vanilla JS, no external resources; everything lives in a Shadow DOM so the host page's
 * CSS cannot reach it. All text from users and from the service is inserted with
 * textContent, never parsed as HTML. Answers are Markdown; the widget renders the subset
 * the service writes (paragraphs, "- " lists, **bold** part headings, backslash escapes)
 * by building elements itself. The host page must be listed in SMARTCITY_CORS_ORIGINS.
 */
(function () {
  "use strict";

  if (window.__smartcityWidget) return;
  window.__smartcityWidget = true;

  var script = document.currentScript || (function () {
    var scripts = document.querySelectorAll("script[src*='widget.js']");
    return scripts[scripts.length - 1];
  })();
  if (!script) return;

  function option(name, fallback) {
    var value = script.getAttribute("data-" + name);
    return value === null || value === "" ? fallback : value;
  }

  var API = option("api", new URL(".", script.src).href).replace(/\/+$/, "");
  var LANG = option("lang", (document.documentElement.lang || "de").slice(0, 2)) === "en" ? "en" : "de";
  var MAX_HISTORY = Math.max(0, parseInt(option("max-history", "10"), 10) || 0);
  var POSITION = option("position", "right") === "left" ? "left" : "right";

  var TEXT = {
    de: {
      title: "Smart-City-Assistent",
      launcher: "Fragen?",
      open: "Chat mit dem Smart-City-Assistenten öffnen",  // read after the visible "Fragen?"
      close: "Chat schließen",
      reset: "Neues Gespräch",
      intro: "Stellen Sie eine Frage zu den Smart-City-Programmen. Die Antworten stammen aus den " +
        "Programmberichten und nennen ihre Quellen.",
      label: "Ihre Frage",
      placeholder: "Zum Beispiel: Wie verstetige ich einen Makerspace?",
      send: "Senden",
      you: "Sie:",
      bot: "Assistent:",
      thinking: "Antwort wird erstellt …",
      sources: "Quellen",
      quote: "Zitat",
      page: "S.",
      newTab: " (öffnet in neuem Tab)",
      refused: "In den Dokumenten steht dazu nichts.",
      partial: "Teilweise beantwortet:",
      partialText: "Zu {q} steht in den Dokumenten nichts.",
      quoteOpen: "„", quoteClose: "“", and: " und ",
      suggestions: "Vielleicht helfen diese Dokumente weiter:",
      helpful: "War die Antwort hilfreich?",
      yes: "Ja",
      no: "Nein",
      thanks: "Danke für Ihre Rückmeldung!",
      offline: "Der Assistent ist gerade nicht erreichbar. Bitte versuchen Sie es später noch einmal.",
      busy: "Gerade kommen zu viele Fragen an. Bitte warten Sie {s} Sekunden und fragen Sie dann erneut.",
      failed: "Das hat leider nicht geklappt: {m}",
      cut: "Die Antwort wurde unterbrochen. Bitte fragen Sie noch einmal.",
      empty: "Bitte geben Sie zuerst eine Frage ein."
    },
    en: {
      title: "Smart City Assistant",
      launcher: "Questions?",
      open: "Open the chat with the Smart City assistant",
      close: "Close chat",
      reset: "New conversation",
      intro: "Ask a question about the Smart City programmes. Answers come from the programme " +
        "reports and name their sources.",
      label: "Your question",
      placeholder: "For example: How do I make a makerspace last?",
      send: "Send",
      you: "You:",
      bot: "Assistant:",
      thinking: "Writing the answer …",
      sources: "Sources",
      quote: "Quote",
      page: "p.",
      newTab: " (opens in a new tab)",
      refused: "The documents say nothing about this.",
      partial: "Partly answered:",
      partialText: "The documents say nothing about {q}.",
      quoteOpen: "“", quoteClose: "”", and: " and ",
      suggestions: "These documents might help:",
      helpful: "Was this answer helpful?",
      yes: "Yes",
      no: "No",
      thanks: "Thank you for your feedback!",
      offline: "The assistant cannot be reached right now. Please try again later.",
      busy: "Too many questions right now. Please wait {s} seconds and ask again.",
      failed: "Sorry, that did not work: {m}",
      cut: "The answer was interrupted. Please ask again.",
      empty: "Please type a question first."
    }
  }[LANG];
  var TITLE = option("title", TEXT.title);

  // --- colours: the accent from data-accent, its text colour chosen for contrast ---------
  function parseHex(value) {
    var match = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(String(value).trim());
    if (!match) return null;
    var hex = match[1].length === 3 ? match[1].replace(/./g, "$&$&") : match[1];
    return [0, 2, 4].map(function (i) { return parseInt(hex.slice(i, i + 2), 16); });
  }
  function luminance(rgb) {
    var c = rgb.map(function (v) {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  }
  var accent = parseHex(option("accent", "")) ? option("accent", "") : "#0b4f8a";
  var lum = luminance(parseHex(accent));
  var onAccent = (1.05 / (lum + 0.05)) >= ((lum + 0.05) / 0.05) ? "#ffffff" : "#111111";

  var CSS = [
    ":host { all: initial !important; }",
    "*, *::before, *::after { box-sizing: border-box; }",
    "[hidden] { display: none !important; }",
    ".root { font: 16px/1.5 system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif;",
    "  color: #1a1a1a; letter-spacing: normal; text-align: left; }",
    "button, textarea { font: inherit; letter-spacing: inherit; }",
    ":focus-visible { outline: 3px solid #111; outline-offset: 2px; box-shadow: 0 0 0 5px #fff; }",
    ".sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden;",
    "  clip: rect(0 0 0 0); white-space: nowrap; border: 0; }",
    ".launcher { position: fixed; bottom: 20px; z-index: 2147483000; display: inline-flex;",
    "  align-items: center; gap: 8px; min-height: 48px; padding: 10px 18px; border: 2px solid #fff;",
    "  border-radius: 24px; background: var(--sc-accent); color: var(--sc-on-accent); cursor: pointer;",
    "  font-weight: 600; box-shadow: 0 2px 10px rgba(0,0,0,.35); }",
    ".launcher svg { width: 22px; height: 22px; fill: currentColor; }",
    ".right .launcher, .right .panel { right: 20px; } .left .launcher, .left .panel { left: 20px; }",
    ".panel { position: fixed; bottom: 84px; z-index: 2147483000; display: flex; flex-direction: column;",
    "  width: min(420px, calc(100vw - 24px)); height: min(640px, calc(100vh - 108px));",
    "  background: #fff; border: 1px solid #767676; border-radius: 10px; overflow: hidden;",
    "  box-shadow: 0 6px 30px rgba(0,0,0,.3); }",
    "@media (max-width: 480px) { .right .panel, .left .panel { left: 12px; right: 12px; width: auto; } }",
    "header { display: flex; align-items: center; gap: 8px; padding: 10px 12px;",
    "  background: var(--sc-accent); color: var(--sc-on-accent); }",
    "h2 { flex: 1; margin: 0; font-size: 1.05rem; font-weight: 700; }",
    "header button { min-width: 36px; min-height: 36px; padding: 4px 8px; border: 1px solid currentColor;",
    "  border-radius: 6px; background: transparent; color: inherit; cursor: pointer; }",
    ".messages { flex: 1; overflow-y: auto; padding: 12px; display: flex; flex-direction: column; gap: 10px; }",
    ".msg { max-width: 92%; padding: 8px 12px; border-radius: 10px; overflow-wrap: anywhere; }",
    ".msg p { margin: 0; white-space: pre-wrap; }",
    ".answer p, .answer li { white-space: normal; }",
    ".answer p { margin: 0 0 6px; } .answer > :last-child { margin-bottom: 0; }",
    ".answer ul { margin: 0 0 6px; padding-left: 1.3em; list-style: disc outside; }",
    ".answer li { margin: 2px 0; font-size: inherit; }",
    ".answer .part { margin: 8px 0 4px; font-size: 1rem; } .answer .part:first-child { margin-top: 0; }",
    ".partial { margin: 8px 0 0; padding: 6px 8px; border-left: 4px solid #b45309; background: #fff8e1;",
    "  color: #5c2a06; font-size: .9rem; }",
    ".intro { color: #4a4a4a; font-size: .95rem; max-width: 100%; padding: 0; }",
    ".user { align-self: flex-end; background: #e8eef7; }",
    ".bot { align-self: flex-start; background: #f4f4f4; }",
    ".bot.refused { background: #fff8e1; border: 1px solid #b58900; }",
    ".error { align-self: stretch; max-width: 100%; background: #fdecea; color: #7a1a10;",
    "  border: 1px solid #b3261e; }",
    ".muted { color: #4a4a4a; font-style: italic; }",
    "h3 { margin: 10px 0 4px; font-size: .9rem; }",
    "ul { margin: 0; padding: 0; list-style: none; }",
    "li { margin: 4px 0; font-size: .9rem; }",
    "a { color: #0a4ea8; text-decoration: underline; }",
    "a:hover { color: #06306b; }",
    "details { margin: 2px 0 6px; } summary { cursor: pointer; color: #3d3d3d; font-size: .85rem; }",
    "blockquote { margin: 4px 0 0; padding-left: 8px; border-left: 3px solid #999; color: #3d3d3d;",
    "  font-size: .85rem; white-space: pre-wrap; }",
    ".marker { font-size: .8em; vertical-align: super; text-decoration: none; padding: 0 1px; }",
    ".feedback { display: flex; align-items: center; gap: 6px; margin-top: 8px; font-size: .85rem;",
    "  color: #3d3d3d; flex-wrap: wrap; }",
    ".feedback button { min-height: 32px; padding: 2px 10px; border: 1px solid #767676; border-radius: 6px;",
    "  background: #fff; color: #1a1a1a; cursor: pointer; }",
    "form { display: flex; gap: 8px; padding: 10px; border-top: 1px solid #d0d0d0; background: #fafafa; }",
    "textarea { flex: 1; min-height: 44px; max-height: 140px; resize: vertical; padding: 8px 10px;",
    "  border: 1px solid #767676; border-radius: 6px; color: #1a1a1a; background: #fff; }",
    "textarea::placeholder { color: #6b6b6b; }",
    ".send { min-height: 44px; padding: 0 16px; border: 2px solid transparent; border-radius: 6px;",
    "  background: var(--sc-accent); color: var(--sc-on-accent); font-weight: 600; cursor: pointer; }",
    ".send:disabled { opacity: .6; cursor: progress; }"
  ].join("\n");

  // --- DOM helpers: text only, never HTML ------------------------------------------------
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function link(url, text) {
    var a = el("a", { href: API + url, target: "_blank", rel: "noopener noreferrer" }, text);
    a.appendChild(el("span", { "class": "sr-only" }, TEXT.newTab));
    return a;
  }

  // --- build the widget ---------------------------------------------------------------
  var host = document.createElement("smartcity-chat");
  var shadow = host.attachShadow({ mode: "open" });
  if (shadow.adoptedStyleSheets !== undefined && typeof CSSStyleSheet === "function" &&
      "replaceSync" in CSSStyleSheet.prototype) {
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);  // constructed sheets also work under a strict style-src CSP
    shadow.adoptedStyleSheets = [sheet];
  } else {
    shadow.appendChild(el("style", {}, CSS));
  }

  var root = el("div", { "class": "root " + POSITION, lang: LANG });
  root.style.setProperty("--sc-accent", accent);
  root.style.setProperty("--sc-on-accent", onAccent);

  // The accessible name starts with the visible text (WCAG 2.5.3 Label in Name): "Fragen? Chat … öffnen".
  var launcher = el("button", { type: "button", "class": "launcher", "aria-expanded": "false",
                                "aria-controls": "sc-panel" });
  var icon = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  icon.setAttribute("viewBox", "0 0 24 24");
  icon.setAttribute("aria-hidden", "true");
  icon.setAttribute("focusable", "false");
  var path = document.createElementNS("http://www.w3.org/2000/svg", "path");
  path.setAttribute("d", "M4 3h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z");
  icon.appendChild(path);
  launcher.appendChild(icon);
  launcher.appendChild(el("span", {}, TEXT.launcher));
  launcher.appendChild(el("span", { "class": "sr-only" }, " " + TEXT.open));

  var panel = el("section", { id: "sc-panel", "class": "panel", role: "dialog", "aria-modal": "false",
                              "aria-labelledby": "sc-title" });
  panel.hidden = true;
  var header = el("header");
  header.appendChild(el("h2", { id: "sc-title" }, TITLE));
  var resetButton = el("button", { type: "button", "class": "reset" }, TEXT.reset);
  var closeButton = el("button", { type: "button", "class": "close", "aria-label": TEXT.close }, "×");
  header.appendChild(resetButton);
  header.appendChild(closeButton);

  var messages = el("div", { "class": "messages" });
  var status = el("div", { "class": "sr-only", role: "status", "aria-live": "polite", "aria-atomic": "true" });

  var form = el("form", { novalidate: "" });
  var inputLabel = el("label", { "for": "sc-input", "class": "sr-only" }, TEXT.label);
  var input = el("textarea", { id: "sc-input", rows: "2", maxlength: "2000", placeholder: TEXT.placeholder,
                               autocomplete: "off" });
  var send = el("button", { type: "submit", "class": "send" }, TEXT.send);
  form.appendChild(inputLabel);
  form.appendChild(input);
  form.appendChild(send);

  panel.appendChild(header);
  panel.appendChild(messages);
  panel.appendChild(status);
  panel.appendChild(form);
  root.appendChild(launcher);
  root.appendChild(panel);
  shadow.appendChild(root);

  // --- state ----------------------------------------------------------------------------
  var history = [];
  var busy = false;
  var controller = null;

  function showIntro() {
    messages.appendChild(el("p", { "class": "msg intro" }, TEXT.intro));
  }
  showIntro();

  function scrollDown() { messages.scrollTop = messages.scrollHeight; }

  function open() {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    input.focus();
  }
  function close() {
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }
  launcher.addEventListener("click", function () { panel.hidden ? open() : close(); });
  closeButton.addEventListener("click", close);
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      event.stopPropagation();
      close();
    }
  });
  resetButton.addEventListener("click", function () {
    if (controller) controller.abort();
    history = [];
    messages.textContent = "";
    showIntro();
    status.textContent = "";
    input.focus();
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      ask();
    }
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    ask();
  });

  // --- messages ---------------------------------------------------------------------------
  function addMessage(kind, who, text) {
    var box = el("div", { "class": "msg " + kind });
    if (who) box.appendChild(el("span", { "class": "sr-only" }, who + " "));
    var paragraph = el("p", {}, text);
    box.appendChild(paragraph);
    messages.appendChild(box);
    scrollDown();
    return { box: box, text: paragraph };
  }

  function addError(text) {
    var box = addMessage("error", "", text).box;
    box.setAttribute("role", "alert");
  }

  // --- Markdown: the subset answers are written in, turned into elements (never HTML) ------
  var BULLET = /^ {0,3}[-*+][ \t]+(.*)$/;
  var HEADING = /^ {0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/;
  var ESCAPABLE = /[!-\/:-@\[-`{-~]/;  // ASCII punctuation, as CommonMark escapes it

  /** Blocks of an answer: {type: "p"|"h"|"ul", text | items}. Blank lines separate blocks. */
  function blocks(markdown) {
    var result = [];
    var current = null;
    String(markdown).replace(/\r\n?/g, "\n").split("\n").forEach(function (line) {
      var trimmed = line.trim();
      var bullet = BULLET.exec(line);
      var heading = HEADING.exec(line);
      if (!trimmed) {
        if (current && current.type === "p") current = null;
        if (current && current.type === "ul") current.gap = true;
      } else if (bullet && bullet[1].trim()) {
        if (!current || current.type !== "ul") {
          current = { type: "ul", items: [] };
          result.push(current);
        }
        current.gap = false;
        current.items.push(bullet[1].trim());
      } else if (heading) {
        result.push({ type: "h", text: heading[1] });
        current = null;
      } else if (current && current.type === "ul" && !current.gap) {
        current.items[current.items.length - 1] += " " + trimmed;  // a continuation line
      } else if (current && current.type === "p") {
        current.text += " " + trimmed;
      } else {
        current = { type: "p", text: trimmed };
        result.push(current);
      }
    });
    result.forEach(function (block) {  // a paragraph that is all bold is a part heading
      var match = block.type === "p" && /^\*\*(\S(?:.*\S)?)\*\*$/.exec(block.text);
      if (match && match[1].indexOf("**") < 0 && !/\\$/.test(match[1])) {
        block.type = "h";
        block.text = match[1];
      }
    });
    return result;
  }

  /** Inline text as spans {text, strong}: backslash escapes undone, **bold** paired. */
  function spans(text) {
    var pieces = [];  // {text} or {delim: "**", open, close}
    var plain = "";
    for (var i = 0; i < text.length; i++) {
      var ch = text.charAt(i);
      if (ch === "\\" && i + 1 < text.length && ESCAPABLE.test(text.charAt(i + 1))) {
        plain += text.charAt(++i);
      } else if (ch === "*" && text.charAt(i + 1) === "*") {
        var before = i > 0 ? text.charAt(i - 1) : " ";
        var after = i + 2 < text.length ? text.charAt(i + 2) : " ";
        pieces.push({ text: plain });
        plain = "";
        pieces.push({ delim: true, open: !/\s/.test(after), close: !/\s/.test(before) });
        i++;
      } else {
        plain += ch;
      }
    }
    pieces.push({ text: plain });
    var opener = -1;
    pieces.forEach(function (piece, index) {
      if (!piece.delim) return;
      if (piece.close && opener >= 0) {
        pieces[opener].pair = "open";
        piece.pair = "close";
        opener = -1;
      } else if (piece.open) {
        opener = index;
      }
    });
    var result = [];
    var strong = false;
    pieces.forEach(function (piece) {
      if (piece.delim && piece.pair) strong = piece.pair === "open";
      else {
        var value = piece.delim ? "**" : piece.text;
        if (!value) return;
        var last = result[result.length - 1];
        if (last && last.strong === strong) last.text += value;
        else result.push({ text: value, strong: strong });
      }
    });
    return result;
  }

  /** Inline Markdown into `parent`: text nodes, <strong>, and [n] markers as links to the cited page. */
  function renderInline(parent, text, byNumber) {
    spans(text).forEach(function (span) {
      var target = span.strong ? parent.appendChild(el("strong")) : parent;
      span.text.split(/(\[\d{1,3}\])/).forEach(function (part) {
        var match = /^\[(\d+)\]$/.exec(part);
        var citation = match && byNumber && byNumber[match[1]];
        if (!citation) {
          if (part) target.appendChild(document.createTextNode(part));
          return;
        }
        var marker = link(citation.url, part);
        marker.className = "marker";
        marker.setAttribute("title", citation.title + ", " + TEXT.page + " " + citation.page);
        target.appendChild(marker);
      });
    });
  }

  /** The answer as elements: paragraphs, lists, part headings, with linked markers. */
  function renderMarkdown(markdown, citations) {
    var byNumber = {};
    (citations || []).forEach(function (c) { byNumber[c.n] = c; });
    var container = el("div", { "class": "answer" });
    blocks(markdown).forEach(function (block) {
      if (block.type === "ul") {
        var list = container.appendChild(el("ul"));
        block.items.forEach(function (item) { renderInline(list.appendChild(el("li")), item, byNumber); });
      } else {
        var node = container.appendChild(block.type === "h" ? el("h3", { "class": "part" }) : el("p"));
        renderInline(node, block.text, byNumber);
      }
    });
    return container;
  }

  /** The answer as plain text, for the live region (no markup characters, no link hints). */
  function plainText(markdown) {
    return blocks(markdown).map(function (block) {
      var texts = block.type === "ul" ? block.items : [block.text];
      return texts.map(function (text) {
        return spans(text).map(function (span) { return span.text; }).join("");
      }).join(" ");
    }).join(" ");
  }

  /** "Teilweise beantwortet: Zu „…“ steht in den Dokumenten nichts." for the parts left open. */
  function partialText(unanswered) {
    var parts = (unanswered || []).map(function (part) { return String(part).trim(); })
      .filter(Boolean).map(function (part) {
        return TEXT.quoteOpen + part.charAt(0).toUpperCase() + part.slice(1) + TEXT.quoteClose;
      });
    if (!parts.length) return "";
    var named = parts.length === 1 ? parts[0] : parts.slice(0, -1).join(", ") + TEXT.and + parts[parts.length - 1];
    return TEXT.partialText.replace("{q}", named);
  }

  function renderAnswer(reply, answer) {
    var rendered = renderMarkdown(answer.answer, answer.citations || []);
    reply.box.replaceChild(rendered, reply.text);
    reply.text = rendered;
    var missing = answer.partial ? partialText(answer.unanswered) : "";
    if (!missing) return "";
    var note = el("p", { "class": "partial", role: "note" });
    note.appendChild(el("strong", {}, TEXT.partial));
    note.appendChild(document.createTextNode(" " + missing));
    reply.box.appendChild(note);
    return TEXT.partial + " " + missing;
  }

  function renderSources(box, answer) {
    if (answer.refused) {
      box.classList.add("refused");
      if (!answer.suggestions || !answer.suggestions.length) return;
      box.appendChild(el("h3", {}, TEXT.suggestions));
      var suggestions = el("ul", { "class": "suggestions" });
      answer.suggestions.forEach(function (s) {
        var item = el("li");
        item.appendChild(link(s.url, s.title));
        if (s.section) item.appendChild(document.createTextNode(": „" + s.section + "“"));
        if (s.page) item.appendChild(document.createTextNode(" (S. " + s.page + ")"));
        suggestions.appendChild(item);
      });
      box.appendChild(suggestions);
      return;
    }
    if (!answer.citations.length) return;
    box.appendChild(el("h3", {}, TEXT.sources));
    var list = el("ul", { "class": "citations" });
    answer.citations.forEach(function (c) {
      var item = el("li");
      item.appendChild(link(c.url, "[" + c.n + "] " + c.title + ", " + TEXT.page + " " + c.page));
      if (c.quote) {
        var details = el("details");
        details.appendChild(el("summary", {}, TEXT.quote));
        details.appendChild(el("blockquote", {}, c.quote));
        item.appendChild(details);
      }
      list.appendChild(item);
    });
    box.appendChild(list);
  }

  function renderFeedback(box, answerId) {
    var bar = el("div", { "class": "feedback", role: "group", "aria-label": TEXT.helpful });
    bar.appendChild(el("span", {}, TEXT.helpful));
    [["up", TEXT.yes], ["down", TEXT.no]].forEach(function (choice) {
      var button = el("button", { type: "button", "data-rating": choice[0] }, choice[1]);
      button.addEventListener("click", function () {
        fetch(API + "/v1/feedback", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ answer_id: answerId, rating: choice[0], source: "widget" })
        }).catch(function () { /* feedback is best effort */ });
        bar.textContent = "";
        bar.appendChild(el("span", { role: "status" }, TEXT.thanks));
        input.focus();
      });
      bar.appendChild(button);
    });
    box.appendChild(bar);
  }

  // --- asking: fetch + ReadableStream, parsing server-sent events ---------------------------
  function parseEvent(block) {
    var name = "message";
    var data = [];
    block.split("\n").forEach(function (line) {
      if (!line || line.charAt(0) === ":") return;
      var colon = line.indexOf(":");
      var field = colon < 0 ? line : line.slice(0, colon);
      var value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "event") name = value;
      else if (field === "data") data.push(value);
    });
    return { name: name, data: data.join("\n") };
  }

  async function readEvents(response, onEvent) {
    var reader = response.body.getReader();
    var decoder = new TextDecoder();
    var buffer = "";
    for (;;) {
      var chunk = await reader.read();
      if (chunk.done) break;
      buffer += decoder.decode(chunk.value, { stream: true }).replace(/\r\n?/g, "\n");
      var end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        var block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        var event = parseEvent(block);
        if (event.data) onEvent(event.name, JSON.parse(event.data));
      }
    }
  }

  async function errorText(response) {
    if (response.status === 429) {
      return TEXT.busy.replace("{s}", response.headers.get("Retry-After") || "60");
    }
    try {
      var body = await response.json();
      if (body && body.error && body.error.message) return TEXT.failed.replace("{m}", body.error.message);
    } catch (ignored) { /* not JSON */ }
    return response.status >= 500 ? TEXT.offline : TEXT.failed.replace("{m}", "HTTP " + response.status);
  }

  async function ask() {
    var question = input.value.trim();
    if (busy) return;
    if (!question) {
      status.textContent = TEXT.empty;
      return;
    }
    busy = true;
    send.disabled = true;
    input.value = "";
    addMessage("user", TEXT.you, question);
    var reply = addMessage("bot", TEXT.bot, "");
    reply.box.setAttribute("aria-busy", "true");
    reply.text.appendChild(el("span", { "class": "muted" }, TEXT.thinking));
    status.textContent = TEXT.thinking;
    controller = new AbortController();
    var started = false;
    var answer = null;
    try {
      var response = await fetch(API + "/v1/ask/stream", {
        method: "POST",
        headers: { "Content-Type": "application/json", "Accept": "text/event-stream" },
        body: JSON.stringify({ question: question, history: history.slice(-MAX_HISTORY) }),
        signal: controller.signal
      });
      if (!response.ok || !response.body) {
        reply.box.remove();
        addError(await errorText(response));
        status.textContent = "";
        return;
      }
      await readEvents(response, function (name, data) {
        if (name === "token") {
          if (!started) { reply.text.textContent = ""; started = true; }
          reply.text.appendChild(document.createTextNode(data.text));
          scrollDown();
        } else if (name === "done") {
          answer = data;
        } else if (name === "error") {
          throw new Error(data.message || "error");
        }
      });
      if (!answer) throw new Error(TEXT.cut);
      var note = renderAnswer(reply, answer);
      renderSources(reply.box, answer);
      if (answer.id) renderFeedback(reply.box, answer.id);
      status.textContent = (answer.refused ? TEXT.refused + " " : "") + plainText(answer.answer) +
        (note ? " " + note : "");
      history.push({ role: "user", content: question });
      history.push({ role: "assistant", content: answer.answer });
    } catch (error) {
      if (error && error.name === "AbortError") return;
      reply.box.remove();
      var message = error instanceof TypeError ? TEXT.offline :
        (error && error.message === TEXT.cut ? TEXT.cut : TEXT.failed.replace("{m}", error.message));
      addError(message);
      status.textContent = "";
    } finally {
      reply.box.removeAttribute("aria-busy");
      busy = false;
      send.disabled = false;
      controller = null;
      scrollDown();
      if (!panel.hidden) input.focus();
    }
  }

  function mount() { document.body.appendChild(host); }
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
