/** Feature dashboards come here (the inspector issue); the view exists so the shell is whole. */
export function InspectView() {
  return (
    <section className="placeholder" aria-label="Inspect">
      <h2>Inspect</h2>
      <p className="muted">
        Feature dashboards for trained and loaded dictionaries will live here: top activating
        contexts, activation histograms, logit effects and try-a-prompt.
      </p>
    </section>
  );
}
