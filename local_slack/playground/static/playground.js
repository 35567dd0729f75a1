"use strict";
// The playground page: who you are, where you are, and what you type and click, sent to the playground's
// API, which turns each into the signed request Slack would send the app. The page shows what the app did.

const STATEFUL = new Set([
  "plain_text_input", "number_input", "email_text_input", "url_text_input", "static_select", "external_select",
  "multi_static_select", "multi_external_select", "checkboxes", "radio_buttons", "conversations_select",
  "multi_conversations_select", "channels_select", "multi_channels_select", "users_select", "multi_users_select",
  "datepicker", "timepicker", "datetimepicker",
]);
const TEXT_INPUTS = new Set(["plain_text_input", "number_input", "email_text_input", "url_text_input"]);

const page = {
  people: [],
  commands: [],
  user: null,
  place: "channel", // "channel" or "app" (the Kilo app: Home and Messages tabs)
  channel: null,
  tab: "home",
  version: -1,
  noticesSeen: {},
  modalKey: null,
  poller: null,
  generation: 0, // bumped whenever the person or place changes: older answers are dropped
  selected: -1,
};

const $ = (selector) => document.querySelector(selector);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function api(path, body) {
  let response;
  try {
    response = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Playground": "1" },
      body: JSON.stringify(body),
    });
  } catch (error) {
    showNotice(`The playground is not answering (${error}). Is kilo-bot still running?`);
    return {};
  }
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) showNotice(answer.error || `The playground answered HTTP ${response.status}.`);
  return answer;
}

function showNotice(text) {
  const notice = document.createElement("div");
  notice.className = "notice";
  notice.setAttribute("role", "status");
  notice.textContent = text;
  $("#notices").appendChild(notice);
  setTimeout(() => notice.remove(), 12000);
}

// --- where you are ------------------------------------------------------------------------------

function currentConversation() {
  // In the app's Messages tab, the conversation is your DM with the app, which the server names by you.
  return page.place === "app" ? page.user : page.channel;
}

function refresh() {
  page.version = -1;
  page.generation += 1;
  if (page.poller) page.poller.abort();
}

function showPlace() {
  const inApp = page.place === "app";
  $("#app-tabs").hidden = !inApp;
  $("#app-link").classList.toggle("active", inApp);
  document.querySelectorAll("#channels a").forEach((a) => {
    a.classList.toggle("active", !inApp && a.dataset.channel === page.channel);
  });
  document.querySelectorAll(".tab").forEach((tab) => tab.classList.toggle("active", tab.dataset.tab === page.tab));
  const home = inApp && page.tab === "home";
  $("#home").hidden = !home;
  $("#messages").hidden = home;
  $("#composer-form").hidden = home;
  const channel = document.querySelector(`#channels a[data-channel="${page.channel}"]`);
  $("#conversation-title").textContent = inApp ? "Kilo" : channel ? channel.textContent : "";
}

function goToChannel(id) {
  page.place = "channel";
  page.channel = id;
  clearMessages();
  showPlace();
  refresh();
}

function clearMessages() {
  $("#messages").innerHTML = "";
  $("#messages").dataset.rendered = "";
}

function goToApp(tab) {
  page.place = "app";
  page.tab = tab;
  clearMessages();
  showPlace();
  refresh();
  if (tab === "home") {
    $("#home").innerHTML = '<div class="loading">Opening the App Home…</div>';
    api("/api/home", { user: page.user });
  }
}

// --- what the app did, from the server ----------------------------------------------------------

async function poll() {
  for (;;) {
    page.poller = new AbortController();
    const generation = page.generation;
    const params = new URLSearchParams({ user: page.user, since: page.version, conversation: currentConversation() });
    try {
      const response = await fetch(`/api/state?${params}`, { signal: page.poller.signal });
      const state = response.ok ? await response.json() : null;
      if (state && generation === page.generation) apply(state);
      else if (!state) await sleep(1000);
    } catch (error) {
      if (error.name !== "AbortError") await sleep(1000);
    }
  }
}

function apply(state) {
  page.version = state.version;
  const channels = state.conversations
    .map((c) => `<li><a href="#" data-channel="${c.id}"># ${c.name}</a></li>`)
    .join("");
  if ($("#channels").innerHTML !== channels) $("#channels").innerHTML = channels;
  showPlace();
  const list = $("#messages");
  if (list.dataset.rendered !== state.messages) {
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    list.innerHTML = state.messages;
    list.dataset.rendered = state.messages;
    if (atBottom) {
      list.scrollTop = list.scrollHeight;
      // Images (charts) load after the text: stay at the newest message once they have their height.
      list.querySelectorAll("img").forEach((image) =>
        image.addEventListener("load", () => (list.scrollTop = list.scrollHeight), { once: true }),
      );
    }
  }
  const home = $("#home");
  if (state.home && home.dataset.rendered !== state.home.html) {
    home.innerHTML = state.home.html;
    home.dataset.rendered = state.home.html;
    home.dataset.viewId = state.home.id;
  }
  showModal(state.modal);
  const seen = page.noticesSeen[page.user] || 0;
  for (const notice of state.notices) {
    if (notice.at > seen) showNotice(notice.text);
  }
  page.noticesSeen[page.user] = Math.max(seen, ...state.notices.map((n) => n.at));
}

function showModal(modal) {
  const overlay = $("#overlay");
  if (!modal) {
    overlay.hidden = true;
    overlay.innerHTML = "";
    page.modalKey = null;
    return;
  }
  const key = `${modal.id}:${modal.revision}`;
  if (key === page.modalKey) return;
  // As in Slack, what someone entered survives an update of the same view for inputs that keep their ids.
  const before = overlay.querySelector(".modal");
  const kept = before && before.dataset.viewId === modal.id ? collectValues(before) : null;
  overlay.innerHTML = modal.html;
  if (kept) restoreValues(overlay.querySelector(".modal"), kept);
  overlay.hidden = false;
  page.modalKey = key;
}

// --- values of elements, as Slack reads them ------------------------------------------------------

function rawOf(element) {
  const type = element.dataset.type;
  if (type === "checkboxes") return [...element.querySelectorAll("input:checked")].map((i) => i.value);
  if (type === "radio_buttons") {
    const checked = element.querySelector("input:checked");
    return checked ? checked.value : null;
  }
  if (element.tagName === "SELECT" && element.multiple) return [...element.selectedOptions].map((o) => o.value);
  return element.value === "" ? null : element.value;
}

function collectValues(root) {
  const values = {};
  root.querySelectorAll("[data-type]").forEach((element) => {
    if (!STATEFUL.has(element.dataset.type)) return;
    const block = (values[element.dataset.blockId] = values[element.dataset.blockId] || {});
    block[element.dataset.actionId] = rawOf(element);
  });
  return values;
}

function restoreValues(root, values) {
  root.querySelectorAll("[data-type]").forEach((element) => {
    const block = values[element.dataset.blockId];
    if (!block || !(element.dataset.actionId in block)) return;
    const raw = block[element.dataset.actionId];
    const chosen = new Set(Array.isArray(raw) ? raw : raw === null ? [] : [raw]);
    if (element.dataset.type === "checkboxes" || element.dataset.type === "radio_buttons") {
      element.querySelectorAll("input").forEach((input) => (input.checked = chosen.has(input.value)));
    } else if (element.tagName === "SELECT") {
      [...element.options].forEach((option) => (option.selected = chosen.has(option.value)));
    } else {
      element.value = raw === null ? "" : raw;
    }
  });
}

// --- clicks and changes become block_actions ------------------------------------------------------

function containerOf(element) {
  const message = element.closest(".msg");
  if (message) return { type: "message", ts: message.dataset.ts, channel: message.dataset.channel, root: message };
  const modal = element.closest(".modal");
  if (modal) return { type: "view", view_id: modal.dataset.viewId, root: modal };
  const home = element.closest("#home");
  return { type: "view", view_id: home.dataset.viewId, root: home };
}

async function sendAction(element, raw) {
  const where = containerOf(element);
  await api("/api/action", {
    user: page.user,
    conversation: where.channel || currentConversation(),
    container: { type: where.type, ts: where.ts, view_id: where.view_id },
    action: {
      block_id: element.dataset.blockId,
      action_id: element.dataset.actionId,
      raw,
      values: collectValues(where.root),
    },
  });
}

function confirmFirst(element) {
  if (!element.dataset.confirm) return Promise.resolve(true);
  const dialog = JSON.parse(element.dataset.confirm);
  return new Promise((resolve) => {
    const back = document.createElement("div");
    back.className = "dialog-back";
    back.innerHTML =
      `<div class="dialog" role="alertdialog"><h2></h2><div class="message dialog-text">${dialog.text}</div>` +
      '<div class="actions message"><button type="button" class="button deny"></button>' +
      `<button type="button" class="button ${dialog.style || "primary"} confirm"></button></div></div>`;
    back.querySelector("h2").textContent = dialog.title;
    back.querySelector(".deny").textContent = dialog.deny;
    back.querySelector(".confirm").textContent = dialog.confirm;
    back.addEventListener("click", (event) => {
      const answer = event.target.closest(".confirm") ? true : event.target.closest(".deny") ? false : null;
      if (answer === null) return;
      back.remove();
      resolve(answer);
    });
    $("#dialog-root").appendChild(back);
  });
}

const typingTimers = new WeakMap();

function inInputBlock(element) {
  return Boolean(element.closest(".input-block"));
}

document.addEventListener("click", async (event) => {
  const target = event.target;
  document.querySelectorAll(".overflow.open").forEach((menu) => {
    if (!menu.contains(target)) menu.classList.remove("open");
  });
  const channel = target.closest("#channels a");
  if (channel) {
    event.preventDefault();
    goToChannel(channel.dataset.channel);
    return;
  }
  if (target.closest("#app-link")) {
    event.preventDefault();
    goToApp("home");
    return;
  }
  const tab = target.closest(".tab");
  if (tab) return goToApp(tab.dataset.tab);
  const toggle = target.closest(".overflow-toggle");
  if (toggle) return toggle.parentElement.classList.toggle("open");
  const option = target.closest(".overflow-option");
  if (option) {
    const overflow = option.closest(".overflow");
    overflow.classList.remove("open");
    if (option.dataset.url) window.open(option.dataset.url, "_blank", "noopener");
    if (await confirmFirst(overflow)) await sendAction(overflow, option.dataset.value);
    return;
  }
  const button = target.closest('[data-type="button"]');
  if (button) {
    if (button.tagName !== "A") event.preventDefault();
    if (await confirmFirst(button)) await sendAction(button, null);
    return;
  }
  const modal = target.closest(".modal");
  if (!modal) return;
  const values = () => collectValues(modal);
  if (target.closest(".modal-submit")) {
    await api("/api/submit", { user: page.user, view_id: modal.dataset.viewId, values: values() });
  } else if (target.closest(".modal-close") || target.closest(".modal-back")) {
    await api("/api/close", { user: page.user, view_id: modal.dataset.viewId, values: values(), everything: false });
  } else if (target.closest(".modal-x")) {
    await api("/api/close", { user: page.user, view_id: modal.dataset.viewId, values: values(), everything: true });
  }
});

document.addEventListener("change", async (event) => {
  const element = event.target.closest("[data-type]");
  if (!element || !STATEFUL.has(element.dataset.type) || TEXT_INPUTS.has(element.dataset.type)) return;
  // Elements of actions blocks and accessories always tell the app; in input blocks only with dispatch_action.
  if (inInputBlock(element) && !element.dataset.dispatch) return;
  if (await confirmFirst(element)) await sendAction(element, rawOf(element));
});

document.addEventListener("keydown", async (event) => {
  const element = event.target.closest ? event.target.closest("[data-type]") : null;
  if (!element || !TEXT_INPUTS.has(element.dataset.type) || event.key !== "Enter") return;
  if (element.tagName === "TEXTAREA") return;
  event.preventDefault();
  if ((element.dataset.dispatch || "").includes("on_enter_pressed")) await sendAction(element, rawOf(element));
});

document.addEventListener("input", (event) => {
  const element = event.target.closest ? event.target.closest("[data-type]") : null;
  if (!element || !(element.dataset.dispatch || "").includes("on_character_entered")) return;
  clearTimeout(typingTimers.get(element));
  typingTimers.set(element, setTimeout(() => sendAction(element, rawOf(element)), 400));
});

// --- the composer, with completion of /kilo's subcommands ----------------------------------------

function insertion(command) {
  // "/kilo usage [7d|30d|…]" is typed as "/kilo usage "; the brackets are the options that may follow.
  return command.usage.replace(/\s*\[.*$/, "").trim();
}

function candidates(text) {
  const typed = text.replace(/^\s+/, "").toLowerCase();
  if (!typed.startsWith("/")) return [];
  return page.commands.filter((c) => {
    const insert = insertion(c).toLowerCase();
    return insert.startsWith(typed) && insert !== typed.trim();
  });
}

function showCompletions() {
  const list = $("#completions");
  const found = candidates($("#composer").value);
  if (!found.length) {
    list.hidden = true;
    page.selected = -1;
    return;
  }
  page.selected = Math.min(page.selected, found.length - 1);
  list.innerHTML = "";
  found.forEach((command, index) => {
    const item = document.createElement("li");
    item.dataset.insert = insertion(command);
    item.classList.toggle("selected", index === page.selected);
    item.innerHTML = '<span class="usage"></span><span class="description"></span>';
    item.querySelector(".usage").textContent = command.usage;
    item.querySelector(".description").textContent = command.description;
    item.addEventListener("mousedown", (event) => {
      event.preventDefault();
      accept(item.dataset.insert);
    });
    list.appendChild(item);
  });
  list.hidden = false;
}

function accept(insert) {
  $("#composer").value = `${insert} `;
  page.selected = -1;
  showCompletions();
  $("#composer").focus();
}

$("#composer").addEventListener("input", () => {
  page.selected = -1;
  showCompletions();
});

$("#composer").addEventListener("keydown", (event) => {
  const items = [...document.querySelectorAll("#completions li")];
  const open = !$("#completions").hidden && items.length > 0;
  if (open && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
    event.preventDefault();
    const step = event.key === "ArrowDown" ? 1 : -1;
    page.selected = (page.selected + step + items.length) % items.length;
    showCompletions();
  } else if (open && event.key === "Tab") {
    event.preventDefault();
    accept(items[Math.max(page.selected, 0)].dataset.insert);
  } else if (open && event.key === "Enter" && page.selected >= 0) {
    event.preventDefault();
    accept(items[page.selected].dataset.insert);
  } else if (event.key === "Escape") {
    $("#completions").hidden = true;
  }
});

$("#composer-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = $("#composer").value.trim();
  if (!text) return;
  $("#composer").value = "";
  $("#completions").hidden = true;
  await api("/api/command", { user: page.user, conversation: currentConversation(), text });
});

// --- who you are ---------------------------------------------------------------------------------

$("#who").addEventListener("change", () => {
  page.user = $("#who").value;
  clearMessages();
  $("#home").innerHTML = "";
  $("#home").dataset.rendered = "";
  if (page.place === "app") goToApp(page.tab);
  else refresh();
});

$("#send-digests").addEventListener("click", () => api("/api/digests", { user: page.user }));

async function start() {
  for (;;) {
    const response = await fetch("/api/setup").catch(() => null);
    const setup = response ? await response.json().catch(() => ({})) : {};
    if (response && response.ok) {
      page.people = setup.people;
      page.commands = setup.commands;
      page.channel = setup.first_channel;
      $("#send-digests").hidden = !setup.can_send_digests;
      break;
    }
    showNotice(setup.error || "Waiting for the playground…");
    await sleep(2000);
  }
  for (const person of page.people) {
    const option = document.createElement("option");
    option.value = person.id;
    option.textContent = `${person.role} — ${person.name} (${person.email})`;
    $("#who").appendChild(option);
  }
  page.user = page.people[0].id;
  showPlace();
  $("#composer").focus();
  poll();
}

start();
