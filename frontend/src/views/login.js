// Sign-in: the OAuth2 password form of /api/auth/token.

import { login } from "../api.js";
import { clear, h, options } from "../dom.js";
import { LANGUAGES, language, setLanguage, t } from "../i18n.js";

export function renderLogin(root, onDone) {
  const error = h("p.error", { role: "alert", hidden: true });
  const name = h("input", { name: "username", autocomplete: "username", required: true });
  const password = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
  const lang = h("select.lang", { name: "lang", onchange: (e) => setLanguage(e.target.value) });
  options(lang, LANGUAGES, (l) => t(`lang.${l}`));
  lang.value = language();
  const form = h("form.login", {
    onsubmit: async (e) => {
      e.preventDefault();
      error.hidden = true;
      try {
        onDone(await login(name.value.trim(), password.value));
      } catch (err) {
        error.textContent = err.status === 401 || err.status === 400 ? t("login.failed")
          : err.status === 429 ? t("login.throttled", { seconds: err.retryAfter ?? 60 })
          : t("error.network", { message: err.message });
        error.hidden = false;
      }
    },
  },
  h("div.brand", {}, h("span.logo", {}, "⚓"), h("h1", { "data-i18n": "app.title" }, t("app.title"))),
  h("p.muted", { "data-i18n": "login.subtitle" }, t("login.subtitle")),
  h("label", {}, h("span", { "data-i18n": "login.username" }, t("login.username")), name),
  h("label", {}, h("span", { "data-i18n": "login.password" }, t("login.password")), password),
  h("button.primary", { type: "submit", "data-i18n": "login.submit" }, t("login.submit")),
  error, lang);
  clear(root).append(h("div.login-page", {}, form));
  name.focus();
  return () => {};
}
