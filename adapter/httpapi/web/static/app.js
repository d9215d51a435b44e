// Companion Hub's pages: small, dependency-free behaviour over the JSON API (/api/v1, with the
// session cookie). Text from people and models is only ever set as textContent, never as HTML.
'use strict';
(() => {
  const $ = (sel, root = document) => root.querySelector(sel);
  const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

  // el builds an element: attrs are properties (class → className), children are nodes or text.
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k.startsWith('data-') || k.startsWith('aria-') || k === 'role' || k === 'for') e.setAttribute(k, v === true ? '' : v);
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e[k] = v;
    }
    for (const c of children.flat()) {
      if (c === undefined || c === null || c === false) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  class APIError extends Error {
    constructor(status, body) {
      const err = (body && body.error) || {};
      let msg = err.message || `The request failed (${status}).`;
      const fields = (err.details && err.details.fields) || [];
      if (fields.length) msg = fields.map((f) => `${f.field}: ${f.message}`).join('; ');
      super(msg);
      this.status = status;
      this.code = err.code;
      this.reason = err.details && err.details.reason;
    }
  }

  // api calls the JSON API; it resolves to the parsed body (null for 204) or throws APIError.
  async function api(method, path, body, headers = {}) {
    const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json', ...headers } };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const res = await fetch(path, init);
    if (res.status === 401) {
      location.assign('/signin?next=' + encodeURIComponent(location.pathname + location.search));
      throw new APIError(401, null);
    }
    const text = res.status === 204 ? '' : await res.text();
    const data = text ? JSON.parse(text) : null;
    if (!res.ok) throw new APIError(res.status, data);
    return data;
  }

  function showError(node, err) {
    if (!node) return;
    node.textContent = err ? (err.message || String(err)) : '';
    node.hidden = !err;
  }

  const debounce = (fn, ms) => {
    let t;
    return (...a) => { clearTimeout(t); t = setTimeout(() => fn(...a), ms); };
  };

  const when = (iso) => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });

  // ---- everywhere -------------------------------------------------------------------------------

  function theme() {
    const saved = localStorage.getItem('theme');
    if (saved) document.documentElement.dataset.theme = saved;
    const btn = $('.theme-toggle');
    if (!btn) return;
    btn.hidden = false;
    btn.addEventListener('click', () => {
      const dark = document.documentElement.dataset.theme
        ? document.documentElement.dataset.theme === 'dark'
        : matchMedia('(prefers-color-scheme: dark)').matches;
      const next = dark ? 'light' : 'dark';
      document.documentElement.dataset.theme = next;
      localStorage.setItem('theme', next);
    });
  }

  // Password fields say how the policy judges the password while it is typed.
  function passwordFeedback() {
    for (const form of $$('[data-password-form]')) {
      for (const box of $$('[data-strength-for]', form)) {
        const input = form.elements[box.dataset.strengthFor];
        const meter = $('meter', box);
        const say = $('span', box);
        const words = () => ({
          email: (form.elements.email && form.elements.email.value) || form.dataset.email || '',
          username: (form.elements.username && form.elements.username.value) || form.dataset.username || '',
          display_name: (form.elements.display_name && form.elements.display_name.value) || form.dataset.displayName || '',
        });
        let asked = 0;
        const check = debounce(async () => {
          const pw = input.value;
          const n = ++asked;
          if (!pw) { meter.value = 0; say.textContent = ''; box.dataset.verdict = ''; return; }
          try {
            const v = await api('POST', '/api/v1/auth/password-check', { password: pw, ...words() });
            if (n !== asked) return; // a newer answer is on its way
            meter.value = v.score;
            box.dataset.verdict = v.acceptable ? 'ok' : 'weak';
            say.textContent = v.acceptable ? 'Strong enough.' : [v.problem, ...(v.hints || [])].filter(Boolean).join(' ');
          } catch (e) { /* feedback is a help, not a gate: the form still submits */ }
        }, 250);
        input.addEventListener('input', check);
      }
    }
  }

  // A picture chosen in a file input is shown before it is uploaded.
  function previews() {
    for (const input of $$('input[type=file][data-preview-target]')) {
      input.addEventListener('change', () => {
        const img = document.getElementById(input.dataset.previewTarget);
        const f = input.files && input.files[0];
        if (!img || !f) return;
        img.src = URL.createObjectURL(f);
        img.hidden = false;
      });
    }
  }

  function lightbox(root = document) {
    const dlg = $('[data-lightbox]', root);
    if (!dlg) return () => {};
    dlg.addEventListener('click', (e) => { if (e.target === dlg) dlg.close(); });
    return (src, alt) => {
      $('[data-lightbox-img]', dlg).src = src;
      $('[data-lightbox-img]', dlg).alt = alt || '';
      dlg.showModal();
    };
  }

  // ---- the companion list -----------------------------------------------------------------------

  function companions() {
    const zone = $('[data-dropzone]');
    if (!zone) return;
    const input = $('input[type=file]', zone);
    zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('over'); });
    zone.addEventListener('dragleave', () => zone.classList.remove('over'));
    zone.addEventListener('drop', (e) => {
      e.preventDefault();
      zone.classList.remove('over');
      if (!e.dataTransfer.files.length) return;
      input.files = e.dataTransfer.files;
      zone.submit();
    });
    input.addEventListener('change', () => { if (input.files.length) zone.submit(); });
  }

  // ---- the companion wizard ---------------------------------------------------------------------

  function wizard() {
    const form = $('[data-wizard]');
    if (!form) return;
    const steps = $$('.step', form);
    const nav = $('.steps', form);
    const prev = $('[data-prev]', form), next = $('[data-next]', form), submit = $('[data-submit]', form);
    const editing = /\/edit$/.test(form.action);
    // With errors shown, or when editing, every section stays open: nothing is hidden from the person.
    const paged = !editing && !$('.invalid', form);
    let at = 0;
    const show = (i) => {
      at = Math.max(0, Math.min(steps.length - 1, i));
      steps.forEach((s, j) => { s.hidden = paged && j !== at; });
      $$('li', nav).forEach((li, j) => li.classList.toggle('current', j === at));
      prev.hidden = !paged || at === 0;
      next.hidden = !paged || at === steps.length - 1;
      submit.hidden = paged && at !== steps.length - 1;
      if (paged) { const first = $('input, textarea, select', steps[at]); if (first) first.focus(); }
    };
    if (paged) {
      nav.hidden = false;
      $$('a', nav).forEach((a, j) => a.addEventListener('click', (e) => { e.preventDefault(); show(j); }));
      prev.addEventListener('click', () => show(at - 1));
      next.addEventListener('click', () => {
        const bad = $$('input, textarea, select', steps[at]).find((i) => !i.checkValidity());
        if (bad) { bad.reportValidity(); return; }
        show(at + 1);
      });
      form.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' && e.target.tagName === 'INPUT' && at < steps.length - 1) { e.preventDefault(); next.click(); }
      });
      show(0);
    }
    const chips = $('[data-outfit-chips]', form);
    if (chips) {
      chips.hidden = false;
      const outfit = form.elements.default_outfit;
      chips.addEventListener('click', (e) => {
        const add = e.target.dataset && e.target.dataset.add;
        if (!add) return;
        outfit.value = (outfit.value.trim() ? outfit.value.trim() + '\n' : '') + add;
      });
    }
    const voice = $('[data-voice-select]', form);
    const listen = $('[data-voice-preview]', form);
    if (voice && listen) {
      const audio = $('[data-voice-audio]', form);
      const toggle = () => { listen.hidden = !voice.value; };
      voice.addEventListener('change', toggle);
      voice.addEventListener('input', toggle);
      toggle();
      listen.addEventListener('click', async () => {
        listen.disabled = true;
        try {
          const res = await fetch(`/api/v1/voices/${encodeURIComponent(voice.value)}/preview`, { method: 'POST', credentials: 'same-origin' });
          if (!res.ok) throw new Error('The voice could not be previewed.');
          audio.src = URL.createObjectURL(await res.blob());
          audio.hidden = false;
          audio.play().catch(() => {});
        } catch (e) { listen.textContent = 'Preview unavailable'; }
        listen.disabled = false;
      });
    }
  }

  // ---- chat -------------------------------------------------------------------------------------

  const progressWords = {
    queued: 'Waiting for a free moment…', recalling: 'Remembering…', planning: 'Thinking…',
    responding: 'Typing…', analyzing: 'Taking it in…', imaging: 'Drawing a picture…', speaking: 'Recording a voice note…',
  };

  function chat() {
    const root = $('.chat');
    if (!root) return;
    const id = root.dataset.companion;
    const name = root.dataset.name;
    const list = $('[data-messages]', root);
    const older = $('[data-older]', root);
    const progress = $('[data-progress]', root);
    const form = $('[data-composer]', root);
    const text = form.elements.text;
    const sendBtn = $('[data-send]', form);
    const cancelBtn = $('[data-cancel]', form);
    const formError = $('[data-composer-error]', form);
    const openPicture = lightbox();
    const base = `/api/v1/companions/${id}`;
    let cursor = '';
    let current = null; // the turn being followed: {id, source}

    function options() {
      const o = {};
      for (const box of $$('[data-opt]', form)) o[box.dataset.opt] = box.checked;
      return o;
    }

    function picture(img, alt) {
      const fig = el('figure', { class: 'pic' });
      const image = el('img', { src: img.url, alt, loading: 'lazy', width: img.width || undefined, height: img.height || undefined });
      const open = el('button', { type: 'button', class: 'pic-open', 'aria-label': 'Show the picture larger', onclick: () => openPicture(img.url, alt) }, image);
      fig.append(open);
      return fig;
    }

    function render(m, latest) {
      const mine = m.role === 'user';
      const li = el('li', { class: `msg ${mine ? 'mine' : 'theirs'}`, 'data-id': m.id });
      li.append(el('div', { class: 'who' }, mine ? 'You' : name));
      li.append(el('div', { class: 'text' }, m.text));
      if (m.image && m.image.url) li.append(picture(m.image, `A picture from ${name}`));
      else if (m.image_removed) li.append(el('p', { class: 'muted' }, 'The picture was deleted.'));
      if (m.audio && m.audio.url) li.append(el('audio', { controls: true, preload: 'metadata', src: m.audio.url }));
      const tools = el('div', { class: 'tools' });
      if (!mine && m.alternatives > 1) {
        const at = m.alternative_index || 1;
        tools.append(
          el('button', { type: 'button', 'aria-label': 'Previous reply', disabled: at <= 1, onclick: () => swipe(m, -1) }, '‹'),
          el('span', { class: 'count', 'data-swipe': true }, `${at}/${m.alternatives}`),
          el('button', { type: 'button', 'aria-label': 'Next reply', disabled: at >= m.alternatives, onclick: () => swipe(m, 1) }, '›'));
      }
      if (!mine && latest) tools.append(el('button', { type: 'button', 'data-regenerate': true, onclick: () => regenerate(m) }, 'Regenerate'));
      tools.append(el('button', { type: 'button', 'data-edit': true, onclick: () => edit(li, m) }, 'Edit'));
      tools.append(el('button', { type: 'button', 'data-delete': true, onclick: () => remove(m) }, 'Delete'));
      li.append(tools);
      return li;
    }

    async function loadRecent() {
      const page = await api('GET', `${base}/messages?limit=30`);
      list.replaceChildren();
      const items = page.items.slice().reverse();
      const lastReply = [...items].reverse().find((m) => m.role === 'assistant');
      for (const m of items) list.append(render(m, lastReply && m.id === lastReply.id));
      cursor = page.next_cursor || '';
      older.hidden = !cursor;
      list.lastElementChild && list.lastElementChild.scrollIntoView({ block: 'end' });
    }

    async function loadOlder() {
      if (!cursor || older.disabled) return;
      older.disabled = true;
      try {
        const page = await api('GET', `${base}/messages?limit=30&cursor=${encodeURIComponent(cursor)}`);
        const first = list.firstElementChild;
        const before = first ? first.getBoundingClientRect().top : 0;
        for (const m of page.items) list.prepend(render(m, false));
        if (first) window.scrollBy(0, first.getBoundingClientRect().top - before); // keep the reader's place
        cursor = page.next_cursor || '';
        older.hidden = !cursor;
      } catch (e) { showError(formError, e); }
      older.disabled = false;
    }
    older.addEventListener('click', loadOlder);
    if ('IntersectionObserver' in window) {
      new IntersectionObserver((entries) => { if (entries.some((e) => e.isIntersecting)) loadOlder(); }).observe(older);
    }

    function setScene(s) {
      if (!s) return;
      const set = (k, v) => { const d = $(`[data-scene="${k}"]`, root); if (d) d.textContent = v || ''; };
      set('outfit', (s.outfit || []).join(', '));
      set('location', s.location);
      set('action', s.action);
      set('mood', s.mood);
    }

    async function refreshCompanion() {
      try {
        const { companion: c } = await api('GET', base);
        setScene(c.scene);
        $('[data-rel="affection"]', root).value = c.relationship.affection;
        $('[data-rel="trust"]', root).value = c.relationship.trust;
      } catch (e) { /* the header stays as it was */ }
    }

    function busy(on) {
      sendBtn.disabled = on;
      cancelBtn.hidden = !on;
      $$('[data-regenerate]', list).forEach((b) => { b.disabled = on; });
    }

    // follow shows a turn's reply as it streams. EventSource reconnects by itself after a network
    // drop, sending Last-Event-ID, so the reply resumes where it stopped; after a reload the turn is
    // found again (turns/current) and followed from its first event.
    function follow(turn) {
      if (current) current.source.close();
      busy(true);
      const li = el('li', { class: 'msg theirs streaming', 'aria-busy': 'true' });
      const body = el('div', { class: 'text', 'aria-live': 'polite' });
      li.append(el('div', { class: 'who' }, name), body);
      li.dataset.stream = 'connecting';
      list.append(li);
      li.scrollIntoView({ block: 'end' });
      progress.textContent = progressWords.queued;
      const source = new EventSource(turn.events_url);
      current = { id: turn.id, source };
      const data = (e) => { try { return JSON.parse(e.data); } catch (x) { return {}; } };
      const finish = async (failure) => {
        source.close();
        if (current && current.source === source) current = null;
        busy(false);
        progress.textContent = '';
        if (failure) {
          li.classList.remove('streaming');
          li.classList.add('failed');
          li.append(el('p', { class: 'error', role: 'alert' }, failure));
          return;
        }
        await loadRecent();
        refreshCompanion();
        if (notes.length) {
          const last = list.querySelector('.msg.theirs:last-child');
          if (last) for (const n of notes) last.insertBefore(el('p', { class: 'muted note' }, n), $('.tools', last));
        }
      };
      const notes = [];
      let said = progressWords.queued;
      const say = (words) => { said = words; progress.textContent = words; };
      source.addEventListener('open', () => { li.dataset.stream = 'open'; progress.textContent = said; });
      source.addEventListener('token', (e) => { body.textContent += data(e).text || ''; say(progressWords.responding); });
      source.addEventListener('reset', () => { body.textContent = ''; });
      source.addEventListener('progress', (e) => { const s = data(e).status; if (progressWords[s]) say(progressWords[s]); });
      source.addEventListener('state', (e) => setScene(data(e).scene));
      // A picture or a voice that could not be made does not cost the reply; the person hears why.
      source.addEventListener('image', (e) => {
        const d = data(e);
        if (d.url) li.append(picture(d, `A picture from ${name}`));
        else if (d.error) notes.push(`No picture: ${d.error}`);
      });
      source.addEventListener('audio', (e) => {
        const d = data(e);
        if (d.url) li.append(el('audio', { controls: true, src: d.url }));
        else if (d.error) notes.push(`Not spoken: ${d.error}`);
      });
      source.addEventListener('complete', () => finish(null));
      source.addEventListener('error', (e) => {
        if (e.data) { // the turn's own error event: it failed or was stopped
          const d = data(e);
          finish(d.code === 'cancelled' ? 'Stopped.' : (d.message || 'The reply failed.'));
          return;
        }
        if (source.readyState === EventSource.CLOSED) { // the stream is over (204) or refused
          api('GET', `/api/v1/turns/${turn.id}`).then(({ turn: t }) => {
            if (t.status === 'completed') finish(null);
            else finish(t.error ? t.error.message : 'The reply stopped.');
          }).catch(() => finish('The reply could not be followed.'));
          return;
        }
        // Otherwise the connection dropped: the browser reconnects by itself, and the stream goes on
        // after the last event it had (Last-Event-ID).
        li.dataset.stream = 'connecting';
        progress.textContent = 'Connection lost — reconnecting…';
      });
    }

    async function send(e) {
      e.preventDefault();
      const words = text.value.trim();
      if (!words || current) return;
      showError(formError, null);
      sendBtn.disabled = true;
      try {
        const key = (crypto.randomUUID && crypto.randomUUID()) || String(Date.now()) + Math.random();
        const sent = await api('POST', `${base}/messages`, { text: words, ...options() }, { 'Idempotency-Key': key });
        text.value = '';
        $$('[data-regenerate]', list).forEach((b) => b.remove());
        list.append(render(sent.message, false));
        follow(sent.turn);
      } catch (err) {
        showError(formError, err);
        sendBtn.disabled = false;
      }
    }
    form.addEventListener('submit', send);
    text.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); form.requestSubmit(); }
    });
    cancelBtn.addEventListener('click', async () => {
      if (!current) return;
      try { await api('POST', `/api/v1/turns/${current.id}/cancel`); } catch (err) { showError(formError, err); }
    });

    async function regenerate(m) {
      if (current) return;
      showError(formError, null);
      try {
        const res = await api('POST', `/api/v1/messages/${m.id}/regenerate`, options());
        const li = $(`[data-id="${m.id}"]`, list);
        if (li) li.remove();
        follow(res.turn);
      } catch (err) { showError(formError, err); }
    }

    async function swipe(m, step) {
      try {
        const alts = (await api('GET', `/api/v1/messages/${m.id}/alternatives`)).items;
        const at = alts.findIndex((a) => a.selected);
        const target = alts[at + step];
        if (!target) return;
        await api('PATCH', `/api/v1/messages/${target.id}`, { selected: true });
        await loadRecent();
      } catch (err) { showError(formError, err); }
    }

    function edit(li, m) {
      const box = el('textarea', { class: 'edit', rows: 3, value: m.text, 'aria-label': 'Edit the message' });
      const save = el('button', { type: 'button', class: 'primary' }, 'Save');
      const cancel = el('button', { type: 'button' }, 'Cancel');
      const holder = el('div', { class: 'editing' }, box, el('div', { class: 'tools' }, save, cancel));
      const textNode = $('.text', li);
      textNode.replaceWith(holder);
      box.focus();
      cancel.addEventListener('click', () => holder.replaceWith(textNode));
      save.addEventListener('click', async () => {
        try {
          await api('PATCH', `/api/v1/messages/${m.id}`, { text: box.value });
          await loadRecent();
        } catch (err) { showError(formError, err); }
      });
    }

    async function remove(m) {
      const what = m.role === 'user' ? 'Delete this message and the replies to it?' : 'Delete this reply?';
      if (!confirm(what)) return;
      try {
        await api('DELETE', `/api/v1/messages/${m.id}`);
        await loadRecent();
      } catch (err) { showError(formError, err); }
    }

    (async () => {
      try { await loadRecent(); } catch (err) { showError(formError, err); return; }
      // A reply still being written when the page was made (a reload mid-reply) is followed again.
      const turn = root.dataset.turn;
      if (turn) follow({ id: turn, events_url: `/api/v1/turns/${turn}/events` });
    })();
  }

  // ---- memories ---------------------------------------------------------------------------------

  function memories() {
    const root = $('[data-memories]');
    if (!root) return;
    const base = `/api/v1/companions/${root.dataset.companion}/memories`;
    const list = $('[data-memory-list]', root);
    const more = $('[data-memory-more]', root);
    const errBox = $('[data-memory-error]', root);
    let query = '', cursor = '';

    function row(m) {
      const li = el('li', { class: 'row memory', 'data-memory': m.id });
      const textNode = el('span', { class: 'row-main' }, el('span', { class: 'memory-text' }, m.text),
        el('small', { class: 'muted' }, `${m.category} · importance ${m.importance}${m.pinned ? ' · pinned' : ''}`));
      const pin = el('button', { type: 'button', 'aria-pressed': String(m.pinned) }, m.pinned ? 'Unpin' : 'Pin');
      const edit = el('button', { type: 'button', 'data-memory-edit': true }, 'Edit');
      const del = el('button', { type: 'button' }, 'Delete');
      pin.addEventListener('click', async () => {
        try { li.replaceWith(row(await api('PATCH', `/api/v1/memories/${m.id}`, { pinned: !m.pinned }))); } catch (e) { showError(errBox, e); }
      });
      del.addEventListener('click', async () => {
        if (!confirm('Forget this memory?')) return;
        try { await api('DELETE', `/api/v1/memories/${m.id}`); li.remove(); } catch (e) { showError(errBox, e); }
      });
      edit.addEventListener('click', () => {
        const box = el('input', { value: m.text, 'aria-label': 'Memory text', maxLength: 1000 });
        const save = el('button', { type: 'button', class: 'primary' }, 'Save');
        const form = el('span', { class: 'row-main editing' }, box, save);
        textNode.replaceWith(form);
        box.focus();
        const commit = async () => {
          try { li.replaceWith(row(await api('PATCH', `/api/v1/memories/${m.id}`, { text: box.value }))); } catch (e) { showError(errBox, e); }
        };
        save.addEventListener('click', commit);
        box.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); commit(); } });
      });
      li.append(textNode, el('span', { class: 'tools' }, pin, edit, del));
      return li;
    }

    async function load(reset) {
      showError(errBox, null);
      if (reset) { cursor = ''; list.replaceChildren(); }
      const q = new URLSearchParams({ limit: '30' });
      if (query) q.set('q', query);
      if (cursor) q.set('cursor', cursor);
      try {
        const page = await api('GET', `${base}?${q}`);
        for (const m of page.items) list.append(row(m));
        if (reset && !page.items.length) list.append(el('li', { class: 'empty' }, query ? 'Nothing matches.' : 'Nothing remembered yet.'));
        cursor = page.next_cursor || '';
        more.hidden = !cursor;
      } catch (e) { showError(errBox, e); }
    }
    more.addEventListener('click', () => load(false));
    $('[data-memory-search]', root).addEventListener('submit', (e) => {
      e.preventDefault();
      query = e.target.elements.q.value.trim();
      load(true);
    });
    $('[data-memory-add]', root).addEventListener('submit', async (e) => {
      e.preventDefault();
      const input = e.target.elements.text;
      try {
        await api('POST', base, { text: input.value });
        input.value = '';
        load(true);
      } catch (err) { showError(errBox, err); }
    });
    $('[data-memory-wipe]', root).addEventListener('click', async () => {
      if (!confirm('Forget everything, pinned memories included? This cannot be undone.')) return;
      try { await api('POST', `/api/v1/companions/${root.dataset.companion}/wipe`); load(true); } catch (e) { showError(errBox, e); }
    });
    load(true);
  }

  // ---- companion settings -----------------------------------------------------------------------

  function settings() {
    const form = $('[data-settings]');
    if (!form) return;
    const url = `/api/v1/companions/${form.dataset.companion}/settings`;
    const fields = $('[data-settings-fields]', form);
    const labels = {
      auto_image: 'Send pictures on their own when the moment calls for one',
      voice: 'Speak every reply',
      memory: 'Remember things from our conversations',
      deep_think: 'Think before answering (slower, more thoughtful)',
    };
    api('GET', url).then((s) => {
      const data = s;
      fields.replaceChildren(...Object.keys(labels).map((k) => el('div', { class: 'field check' },
        el('input', { type: 'checkbox', id: `s-${k}`, name: k, checked: !!data[k] }), el('label', { for: `s-${k}` }, labels[k]))));
    }).catch((e) => showError($('[data-settings-error]', form), e));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const patch = {};
      for (const k of Object.keys(labels)) if (form.elements[k]) patch[k] = form.elements[k].checked;
      try {
        await api('PATCH', url, patch);
        $('[data-settings-saved]', form).hidden = false;
        showError($('[data-settings-error]', form), null);
      } catch (err) { showError($('[data-settings-error]', form), err); }
    });
  }

  // ---- gallery and the picture form ---------------------------------------------------------------

  function gallery() {
    const grid = $('[data-gallery]');
    if (!grid) return;
    const more = $('[data-gallery-more]');
    const dlg = $('[data-lightbox]');
    const open = lightbox();
    let cursor = '', shown = null;
    async function load() {
      const q = new URLSearchParams({ limit: '24' });
      if (grid.dataset.companion) q.set('companion_id', grid.dataset.companion);
      if (cursor) q.set('cursor', cursor);
      const page = await api('GET', `/api/v1/images?${q}`);
      for (const p of page.items) {
        const li = el('li', { 'data-picture': p.id });
        li.append(el('button', { type: 'button', class: 'pic-open', 'aria-label': `Show: ${p.prompt}`, onclick: () => {
          shown = { p, li };
          $('[data-lightbox-caption]', dlg).textContent = p.prompt;
          open(p.url, p.prompt);
        } }, el('img', { src: p.thumbnail_url || p.url, alt: p.prompt, loading: 'lazy' })));
        grid.append(li);
      }
      cursor = page.next_cursor || '';
      more.hidden = !cursor;
      $('[data-gallery-empty]').hidden = grid.children.length > 0;
    }
    more.addEventListener('click', load);
    if ('IntersectionObserver' in window) new IntersectionObserver((es) => { if (es.some((e) => e.isIntersecting) && cursor) load(); }).observe(more);
    $('[data-lightbox-delete]', dlg).addEventListener('click', async () => {
      if (!shown || !confirm('Delete this picture?')) return;
      await api('DELETE', `/api/v1/images/${shown.p.id}`);
      shown.li.remove();
      dlg.close();
      $('[data-gallery-empty]').hidden = grid.children.length > 0;
    });
    load();
  }

  function pictureForm() {
    const form = $('[data-picture-form]');
    if (!form) return;
    const errBox = $('[data-picture-error]', form);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const f = form.elements;
      const body = { companion_id: f.companion_id.value, prompt: f.prompt.value, negative_prompt: f.negative_prompt.value,
        width: Number(f.width.value), height: Number(f.height.value) };
      if (f.steps.value) body.steps = Number(f.steps.value);
      if (f.seed.value) body.seed = Number(f.seed.value);
      showError(errBox, null);
      $('[data-picture-progress]', form).textContent = progressWords.imaging;
      form.querySelector('button[type=submit]').disabled = true;
      try {
        const p = await api('POST', '/api/v1/images', body);
        const fig = $('[data-picture-result]', form);
        $('img', fig).src = p.url;
        $('figcaption', fig).textContent = `Seed ${p.seed} · ${p.width}×${p.height}`;
        fig.hidden = false;
      } catch (err) { showError(errBox, err); }
      $('[data-picture-progress]', form).textContent = '';
      form.querySelector('button[type=submit]').disabled = false;
    });
  }

  // ---- account ------------------------------------------------------------------------------------

  function account() {
    for (const b of $$('[data-revoke]')) {
      b.addEventListener('click', async () => {
        try { await api('DELETE', `/api/v1/me/sessions/${b.dataset.revoke}`); b.closest('li').remove(); } catch (e) { b.textContent = e.message; }
      });
    }
    const audit = $('[data-audit]');
    if (!audit) return;
    const more = $('[data-audit-more]');
    let cursor = '';
    async function load() {
      const q = new URLSearchParams({ limit: '20' });
      if (cursor) q.set('cursor', cursor);
      const page = await api('GET', `/api/v1/me/audit?${q}`);
      for (const ev of page.items) {
        audit.append(el('li', { class: 'row' }, el('span', { class: 'row-main' }, el('strong', {}, ev.action.replaceAll('_', ' ')),
          el('small', { class: 'muted' }, `${when(ev.at)} · ${ev.ip || 'unknown address'}`))));
      }
      cursor = page.next_cursor || '';
      more.hidden = !cursor;
    }
    more.addEventListener('click', load);
    load();
  }

  // What a page's own script (rooms.js, loaded after this one) shares with these pages.
  window.CompanionHub = Object.freeze({ $, $$, el, api, showError, when, progressWords, lightbox });

  theme();
  passwordFeedback();
  previews();
  const pages = { companions, 'companion-form': wizard, chat, memories, settings, gallery, 'picture-form': pictureForm, account };
  const run = pages[document.body.dataset.page];
  if (run) run();
})();
