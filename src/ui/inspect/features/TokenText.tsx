/** A visible-whitespace token string, its whitespace marks muted so that words stand out. */
export function TokenText(props: { text: string }) {
  const parts = props.text.split(/([·⏎⇥]+)/);
  return (
    <>
      {parts.map((p, i) =>
        p === "" ? null : i % 2 === 1 ? (
          <span key={i} className="ws">
            {p}
          </span>
        ) : (
          p
        ),
      )}
    </>
  );
}
