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
  const params = new URL(location.href).searchParams;
  setTimeout(() => {
    if (params.get("fault") === "prefs") parsePrefs("{not json");
    else renderBoard({});
  }, 0);
  // What the person then writes in the app's feedback form (`?feedback=`), about that error.
  const words = params.get("feedback");
  if (words) {
    setTimeout(() => {
      const about = Sentry.lastEventId();
      Sentry.captureFeedback({ message: words, email: "ada@acme.example", associatedEventId: about });
    }, 50);
  }
});
