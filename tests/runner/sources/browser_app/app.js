// The application a developer ships: the real browser SDK, and two faults. The page names
// the DSN and the release (each test its own).
import * as Sentry from "@sentry/browser";

Sentry.init({
  dsn: window.OVERNIGHT_DSN,
  release: window.OVERNIGHT_RELEASE,
  environment: "production",
});

function renderBoard(board) {
  return board.columns.map((column) => column.title); // board.columns is undefined
}

function parsePrefs(text) {
  return JSON.parse(text);
}

window.addEventListener("load", () => {
  const fault = new URL(location.href).searchParams.get("fault");
  setTimeout(() => {
    if (fault === "prefs") parsePrefs("{not json");
    else renderBoard({});
  }, 0);
});
