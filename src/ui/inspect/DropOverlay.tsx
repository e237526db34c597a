/** Shown over the whole page while files are dragged over it. */
export function DropOverlay(props: { shown: boolean }) {
  if (!props.shown) return null;
  return (
    <div className="drop-overlay" data-testid="drop-overlay" aria-hidden>
      <div className="drop-overlay-box">
        <strong>Drop to load weights</strong>
        <span>
          A dictionary's files or folder (SAELens, sparsify, Gemma Scope, …) or a GPT-2 checkpoint
        </span>
      </div>
    </div>
  );
}
