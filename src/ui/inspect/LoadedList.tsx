import { useLoadStore } from "../state/loadStore.ts";
import { LoadedItemCard } from "./LoadedItemCard.tsx";

/** Everything the user brought, newest first. */
export function LoadedList() {
  const items = useLoadStore((s) => s.items);
  const remove = useLoadStore((s) => s.remove);
  const failed = items.filter((item) => item.phase === "error");
  return (
    <section className="inspect-panel loaded-list" aria-label="Loaded weights">
      <h3>
        Loaded weights
        {failed.length > 1 && (
          <button
            type="button"
            className="clear-failed"
            data-testid="clear-failed"
            onClick={() => failed.forEach((item) => remove(item.id))}
          >
            Clear {failed.length} failed
          </button>
        )}
      </h3>
      {items.length === 0 ? (
        <p className="muted" data-testid="loaded-empty">
          Nothing loaded yet. Drop a dictionary's files or folder, pick them, or load one from the
          Hugging Face Hub; trained runs are in the Runs view.
        </p>
      ) : (
        <ul className="loaded-items">
          {items.map((item) => (
            <LoadedItemCard key={item.id} item={item} />
          ))}
        </ul>
      )}
    </section>
  );
}
