// Companion Hub's rooms: the person's rooms, and a room's conversation followed live over its event
// stream. Built on app.js's helpers (window.CompanionHub, loaded first); text from people and models
// is only ever set as textContent, never as HTML.
'use strict';
(() => {
  const hub = window.CompanionHub;
  if (!hub) return;
  const { $, $$, el, api, showError, when, progressWords, lightbox } = hub;

  const newKey = () => (crypto.randomUUID && crypto.randomUUID()) || `${Date.now()}-${Math.random()}`;
  // num is a number field's value for the API: left out (undefined) when empty.
  const num = (v) => (String(v).trim() === '' ? undefined : Number(v));
  const strategyWords = { natural: 'natural turns', list: 'in order', manual: 'manual turns' };

  // ---- the list of rooms ------------------------------------------------------------------------

  function rooms() {
    const root = $('[data-rooms]');
    if (!root) return;
    const me = root.dataset.me;
    const list = $('[data-room-list]', root);

    api('GET', '/api/v1/rooms').then(({ items }) => {
      list.replaceChildren(...items.map((r) => el('li', { class: 'row', 'data-room-id': r.id },
        el('span', { class: 'row-main' },
          el('a', { href: `/rooms/${r.id}` }, r.title),
          el('small', { class: 'muted' }, `${r.owner_id === me ? 'Yours' : 'Joined'} · ${strategyWords[r.settings.strategy] || r.settings.strategy} · since ${when(r.created_at)}`)))));
      $('[data-room-empty]', root).hidden = items.length > 0;
    }).catch((e) => showError($('[data-room-list-error]', root), e))
      .finally(() => list.removeAttribute('aria-busy'));

    const create = $('[data-room-create]', root);
    create.addEventListener('submit', async (e) => {
      e.preventDefault();
      const f = create.elements;
      const errBox = $('[data-room-create-error]', create);
      const btn = $('button[type=submit]', create);
      showError(errBox, null);
      btn.disabled = true;
      try {
        const r = await api('POST', '/api/v1/rooms', {
          title: f.title.value,
          companion_ids: $$('input[name=companion_ids]:checked', create).map((i) => i.value),
          settings: { strategy: f.strategy.value, max_replies: num(f.max_replies.value), auto_rounds: num(f.auto_rounds.value) },
        });
        location.assign(`/rooms/${r.id}`);
      } catch (err) {
        showError(errBox, err);
        btn.disabled = false;
      }
    });

    const join = $('[data-room-join]', root);
    join.addEventListener('submit', async (e) => {
      e.preventDefault();
      const errBox = $('[data-room-join-error]', root);
      showError(errBox, null);
      try {
        const r = await api('POST', '/api/v1/rooms/join', { code: join.elements.code.value.trim() });
        location.assign(`/rooms/${r.id}`);
      } catch (err) { showError(errBox, err); }
    });
  }

  // ---- a room -----------------------------------------------------------------------------------

  // A room's conversation: the latest page of messages, oldest at the top, then the room's event
  // stream. The stream tells a newcomer what it still holds from the start, so every message is
  // placed by its time and shown once; each answer streams into a bubble named after its companion
  // (from its turn event) until its saved message takes the bubble's place — that message may come
  // before the answer's last words, which are then ignored.
  function room() {
    const root = $('.room[data-room]');
    if (!root) return;
    const id = root.dataset.room;
    const me = root.dataset.me;
    const base = `/api/v1/rooms/${id}`;
    const list = $('[data-messages]', root);
    const older = $('[data-older]', root);
    const status = $('[data-room-status]', root);
    const form = $('[data-composer]', root);
    const text = form.elements.text;
    const sendBtn = $('[data-send]', form);
    const formError = $('[data-composer-error]', form);
    const streamState = $('[data-stream-state]', form);
    const sideError = $('[data-side-error]', root);
    const settingsForm = $('[data-room-settings]', root);

    let current = null; // the room as the API last showed it
    const shown = new Map(); // message id → its list item
    const saved = new Set(); // turns whose saved message came: their later events are stale
    const answers = new Map(); // turn id → {li, text, name}: answers being written (or failed)
    const early = new Map(); // message id → [kind, data]: a picture or voice that came before its message
    const openPicture = lightbox(root);
    let cursor = ''; // the next older page of messages ('' when there is none)
    let oldest = null; // the key of the oldest message loaded, while older pages remain

    // A message's place: by time, then id (the API's order).
    const keyOf = (m) => [Date.parse(m.created_at) || 0, m.id];
    const before = (a, b) => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);

    // ---- who is in the room

    function show(r) {
      current = r;
      const owner = r.your_role === 'owner';
      $('[data-room-title]', root).textContent = r.title;
      document.title = `${r.title} · Companion Hub`;
      const companions = r.companions.map((c) => el('li', { class: 'row', 'data-companion': c.companion_id },
        el('span', { class: 'row-main' }, el('strong', {}, c.name)),
        el('span', { class: 'tools' }, el('button', { type: 'button', 'data-speak': c.companion_id,
          onclick: (e) => letSpeak(c, e.currentTarget) }, `Let ${c.name} speak`))));
      $('[data-room-companions]', root).replaceChildren(...(companions.length ? companions : [el('li', { class: 'muted' }, 'No companions yet.')]));
      $('[data-room-people]', root).replaceChildren(...r.people.map((p) => {
        const you = p.user_id === me;
        const li = el('li', { class: 'row', 'data-person': p.user_id },
          el('span', { class: 'row-main' }, el('span', { class: 'person-name' }, you ? `${p.display_name} (you)` : p.display_name),
            el('small', { class: 'muted' }, p.role === 'owner' ? 'Owner' : 'Member')));
        if (owner && !you) {
          li.append(el('span', { class: 'tools' }, el('button', { type: 'button', 'data-remove-person': p.user_id,
            'aria-label': `Remove ${p.display_name} from the room`, onclick: () => removePerson(p) }, 'Remove')));
        }
        return li;
      }));
      $('[data-owner-only]', root).hidden = !owner;
      $('[data-member-only]', root).hidden = owner;
      if (owner && !settingsForm.contains(document.activeElement)) fillSettings(r);
    }

    function fillSettings(r) {
      const f = settingsForm.elements;
      f.title.value = r.title;
      f.strategy.value = r.settings.strategy;
      f.max_replies.value = r.settings.max_replies;
      f.auto_rounds.value = r.settings.auto_rounds;
    }

    const loadRoom = async () => show(await api('GET', base));

    async function letSpeak(c, btn) {
      showError(sideError, null);
      btn.disabled = true;
      try { await api('POST', `${base}/speak`, { companion_id: c.companion_id }); } catch (err) { showError(sideError, err); }
      btn.disabled = false;
    }

    async function removePerson(p) {
      if (!confirm(`Remove ${p.display_name} from the room?`)) return;
      showError(sideError, null);
      try { show(await api('DELETE', `${base}/people/${p.user_id}`)); } catch (err) { showError(sideError, err); }
    }

    // ---- the owner's controls and leaving

    const inviteResult = $('[data-invite-result]', root);
    const code = $('[data-invite-code]', root);
    const inviteNote = $('[data-invite-note]', root);
    const inviteBtn = $('[data-invite]', root);
    inviteBtn.addEventListener('click', async () => {
      showError(sideError, null);
      inviteBtn.disabled = true;
      try {
        const inv = await api('POST', `${base}/invites`);
        code.value = inv.code;
        inviteNote.textContent = `It lets one person join, until ${when(inv.expires_at)}. It is not shown again.`;
        inviteResult.hidden = false;
        code.focus();
        code.select();
      } catch (err) { showError(sideError, err); }
      inviteBtn.disabled = false;
    });
    $('[data-copy]', root).addEventListener('click', async () => {
      code.select();
      try {
        await navigator.clipboard.writeText(code.value);
        inviteNote.textContent = 'Copied. It is not shown again.';
      } catch (err) {
        inviteNote.textContent = 'The code is selected: copy it with Ctrl+C (⌘C on a Mac).';
      }
    });

    settingsForm.addEventListener('input', () => { $('[data-settings-saved]', settingsForm).hidden = true; });
    settingsForm.addEventListener('submit', async (e) => {
      e.preventDefault();
      const f = settingsForm.elements;
      const errBox = $('[data-settings-error]', settingsForm);
      showError(errBox, null);
      try {
        const r = await api('PATCH', base, { title: f.title.value, settings: { strategy: f.strategy.value,
          max_replies: num(f.max_replies.value), auto_rounds: num(f.auto_rounds.value) } });
        show(r);
        fillSettings(r);
        $('[data-settings-saved]', settingsForm).hidden = false;
      } catch (err) { showError(errBox, err); }
    });

    $('[data-delete-room]', root).addEventListener('click', async () => {
      if (!confirm('Delete this room and its conversation, for everyone in it?')) return;
      try { await api('DELETE', base); location.assign('/rooms'); } catch (err) { showError(sideError, err); }
    });
    $('[data-leave]', root).addEventListener('click', async () => {
      if (!confirm('Leave this room? You need a new invitation to come back.')) return;
      try { await api('POST', `${base}/leave`); location.assign('/rooms'); } catch (err) { showError(sideError, err); }
    });

    // ---- the conversation

    function render(m) {
      const companion = m.author.kind === 'companion';
      const mine = !companion && m.author.id === me;
      const li = el('li', { class: `msg ${companion ? 'companion' : 'person'}${mine ? ' mine' : ''}`, 'data-id': m.id,
        'data-author': m.author.id });
      li.append(el('div', { class: 'meta' }, el('span', { class: 'who' }, mine ? 'You' : m.author.name),
        el('time', { dateTime: m.created_at }, when(m.created_at))), el('div', { class: 'text' }, m.text));
      li.key = keyOf(m);
      li.author = m.author.name;
      if (m.image) attach(li, 'image', m.image);
      if (m.audio) attach(li, 'audio', m.audio);
      return li;
    }

    // attach adds an answer's picture or voice to its message, once; one that could not be made
    // does not cost the answer: the message says why.
    function attach(li, kind, d) {
      if (li.dataset[kind]) return;
      if (d.url) {
        li.dataset[kind] = 'shown';
        if (kind === 'audio') {
          li.append(el('audio', { controls: true, preload: 'metadata', src: d.url }));
          return;
        }
        const alt = `A picture from ${li.author}`;
        li.append(el('figure', { class: 'pic' }, el('button', { type: 'button', class: 'pic-open', 'aria-label': 'Show the picture larger',
          onclick: () => openPicture(d.url, alt) }, el('img', { src: d.url, alt, loading: 'lazy', width: d.width || undefined, height: d.height || undefined }))));
      } else if (d.error) {
        li.dataset[kind] = 'failed';
        li.append(el('p', { class: 'muted note' }, `${kind === 'audio' ? 'Not spoken' : 'No picture'}: ${d.error}`));
      }
    }

    // place shows a message once, in its place by time; answers being written stay last.
    function place(m, live) {
      if (m.turn_id) {
        saved.add(m.turn_id);
        drop(m.turn_id);
      }
      if (shown.has(m.id)) return;
      const li = render(m);
      if (cursor && oldest && before(li.key, oldest)) return; // among the earlier pages: shown when they load
      shown.set(m.id, li);
      for (const [kind, d] of early.get(m.id) || []) attach(li, kind, d);
      early.delete(m.id);
      let at = list.lastElementChild;
      while (at && !(at.key && !at.classList.contains('answer') && before(at.key, li.key))) at = at.previousElementSibling;
      if (at) at.after(li);
      else list.prepend(li);
      if (live) li.scrollIntoView({ block: 'end' });
      // Someone who joined since the room was loaded: the list of people is out of date.
      if (live && m.author.kind === 'person' && current && !current.people.some((p) => p.user_id === m.author.id)) {
        loadRoom().catch(() => {});
      }
    }

    let statusTurn = ''; // the answer the status line speaks of
    function say(turnID, a, words) {
      statusTurn = turnID;
      status.textContent = `${a.name}: ${words}`;
    }
    function hush(turnID) {
      if (statusTurn !== turnID) return;
      statusTurn = '';
      status.textContent = '';
    }

    // answer is the bubble of an answer that begins; told again (the stream came back), its words
    // start afresh.
    function answer(turnID, name) {
      let a = answers.get(turnID);
      if (a) {
        a.text.textContent = '';
        a.li.classList.add('answer');
        a.li.classList.remove('failed');
        $$('.error', a.li).forEach((n) => n.remove());
      } else {
        const words = el('div', { class: 'text' });
        const li = el('li', { class: 'msg companion answer', 'data-turn': turnID },
          el('div', { class: 'meta' }, el('span', { class: 'who' }, name || 'A companion')), words);
        a = { li, text: words, name: name || 'A companion' };
        answers.set(turnID, a);
        list.append(li);
        li.scrollIntoView({ block: 'end' });
      }
      a.li.classList.add('streaming');
      a.li.setAttribute('aria-busy', 'true');
      say(turnID, a, progressWords.queued);
      return a;
    }

    function drop(turnID) {
      const a = answers.get(turnID);
      if (!a) return;
      a.li.remove();
      answers.delete(turnID);
      hush(turnID);
    }

    // settle ends an answer's streaming: written (its saved message follows), or failed — a failed
    // answer stays where it is, after what came before it, as a message does.
    function settle(turnID, a, failure) {
      a.li.classList.remove('streaming');
      a.li.removeAttribute('aria-busy');
      hush(turnID);
      if (!failure) return;
      a.li.classList.add('failed');
      a.li.append(el('p', { class: 'error', role: 'alert' }, failure));
      a.li.classList.remove('answer');
      let prev = a.li.previousElementSibling;
      while (prev && !prev.key) prev = prev.previousElementSibling;
      a.li.key = prev ? [prev.key[0], `${prev.key[1]}~`] : [0, ''];
    }

    // follow listens to the room. EventSource reconnects by itself after a network drop, sending
    // Last-Event-ID: the room's events go on after the last one, and the answers under way are told
    // again from their start, each after its turn event.
    function follow() {
      const source = new EventSource(`${base}/events`);
      root.dataset.stream = 'connecting';
      const data = (e) => { try { return JSON.parse(e.data); } catch (x) { return {}; } };
      // of is the answer an answer's event is about (null: none shown, or its saved message came).
      const of = (e) => {
        const d = data(e);
        const a = d.turn_id && !saved.has(d.turn_id) && answers.get(d.turn_id);
        return a ? { d, a } : null;
      };
      source.addEventListener('open', () => {
        root.dataset.stream = 'open';
        streamState.textContent = '';
      });
      source.addEventListener('message', (e) => {
        const m = data(e);
        if (!m.id || !m.author) return;
        if (!m.text_omitted) { place(m, true); return; }
        // Too long for one event: the room's messages hold it whole.
        api('GET', `${base}/messages?limit=20`)
          .then((page) => place((page.items || []).find((x) => x.id === m.id) || m, true))
          .catch(() => place(m, true));
      });
      // The room changed (people, companions, settings): read it again; out of it, it is gone.
      source.addEventListener('room', () => {
        loadRoom().catch((err) => gone(err));
      });
      source.addEventListener('turn', (e) => {
        const d = data(e);
        if (d.turn_id && !saved.has(d.turn_id)) answer(d.turn_id, d.name);
      });
      source.addEventListener('token', (e) => {
        const x = of(e);
        if (!x) return;
        x.a.text.textContent += x.d.text || '';
        say(x.d.turn_id, x.a, progressWords.responding);
      });
      source.addEventListener('reset', (e) => {
        const x = of(e);
        if (x) x.a.text.textContent = '';
      });
      source.addEventListener('progress', (e) => {
        const x = of(e);
        if (x && progressWords[x.d.status]) say(x.d.turn_id, x.a, progressWords[x.d.status]);
      });
      // An answer's picture and voice come after its saved message, and name it.
      const media = (kind) => (e) => {
        const d = data(e);
        if (!d.message_id) return;
        const li = shown.get(d.message_id);
        if (li) attach(li, kind, d);
        else early.set(d.message_id, [...(early.get(d.message_id) || []), [kind, d]]);
      };
      source.addEventListener('image', media('image'));
      source.addEventListener('audio', media('audio'));
      // The answer is written: its saved message is on its way on the room's stream.
      source.addEventListener('complete', (e) => {
        const x = of(e);
        if (!x) return;
        if (x.d.text) x.a.text.textContent = x.d.text;
        settle(x.d.turn_id, x.a, null);
      });
      source.addEventListener('error', (e) => {
        if (e.data) { // an answer's own error: it failed or was stopped
          const x = of(e);
          if (x) settle(x.d.turn_id, x.a, x.d.code === 'cancelled' ? 'Stopped.' : (x.d.message || 'The answer failed.'));
          return;
        }
        if (source.readyState === EventSource.CLOSED) { // refused: the room is gone, or the person is out of it
          root.dataset.stream = 'closed';
          api('GET', base).then(() => {
            streamState.textContent = 'Connection lost — reconnecting…';
            setTimeout(follow, 3000);
          }).catch((err) => gone(err));
          return;
        }
        // Otherwise the connection dropped: the browser reconnects by itself.
        root.dataset.stream = 'connecting';
        streamState.textContent = 'Connection lost — reconnecting…';
      });
    }

    function gone(err) {
      const problem = $('[data-room-problem]', root);
      problem.replaceChildren(err && err.status === 404 ? 'There is no such room, or you are not in it.' : (err ? err.message : 'The room could not be loaded.'),
        ' ', el('a', { href: '/rooms' }, 'Back to your rooms'));
      problem.hidden = false;
      form.hidden = true;
    }

    async function loadOlder() {
      if (!cursor || older.disabled) return;
      older.disabled = true;
      try {
        const page = await api('GET', `${base}/messages?limit=30&cursor=${encodeURIComponent(cursor)}`);
        const first = list.firstElementChild;
        const top = first ? first.getBoundingClientRect().top : 0;
        cursor = page.next_cursor || '';
        if (page.items.length) oldest = keyOf(page.items[page.items.length - 1]);
        for (const m of page.items) place(m, false);
        if (first) window.scrollBy(0, first.getBoundingClientRect().top - top); // keep the reader's place
        older.hidden = !cursor;
      } catch (err) { showError(formError, err); }
      older.disabled = false;
    }
    older.addEventListener('click', loadOlder);

    let pending = null; // {text, key}: a message not yet sent keeps its key, so a retry is said once
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const words = text.value.trim();
      if (!words || sendBtn.disabled) return;
      showError(formError, null);
      if (!pending || pending.text !== words) pending = { text: words, key: newKey() };
      sendBtn.disabled = true;
      try {
        const m = await api('POST', `${base}/messages`, { text: words }, { 'Idempotency-Key': pending.key });
        pending = null;
        text.value = '';
        place(m, true);
      } catch (err) { showError(formError, err); }
      sendBtn.disabled = false;
    });
    text.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); form.requestSubmit(); }
    });

    (async () => {
      try {
        const [r, page] = await Promise.all([api('GET', base), api('GET', `${base}/messages?limit=30`)]);
        show(r);
        cursor = page.next_cursor || '';
        if (page.items.length) oldest = keyOf(page.items[page.items.length - 1]);
        for (const m of page.items.slice().reverse()) place(m, false);
        older.hidden = !cursor;
      } catch (err) {
        gone(err);
        return;
      }
      $('[data-room-body]', root).hidden = false;
      if (list.lastElementChild) list.lastElementChild.scrollIntoView({ block: 'end' });
      if ('IntersectionObserver' in window) {
        new IntersectionObserver((entries) => { if (entries.some((x) => x.isIntersecting)) loadOlder(); }).observe(older);
      }
      follow();
    })();
  }

  const pages = { rooms, room };
  const run = pages[document.body.dataset.page];
  if (run) run();
})();
