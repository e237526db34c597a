import { useState, type FormEvent } from "react";

/** Asks for the expected_average_only_in scale a dictionary's files did not carry. */
export function ScaleField(props: { message: string; onScale: (scale: number) => void }) {
  const [text, setText] = useState("");
  const n = Number(text);
  const valid = text.trim() !== "" && Number.isFinite(n) && n > 0;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (valid) props.onScale(n);
  };
  return (
    <form className="scale-field notice" onSubmit={submit} data-testid="scale-field">
      <p>{sentence(props.message)}</p>
      <label>
        Norm scaling factor{" "}
        <input
          type="text"
          inputMode="decimal"
          className="mono"
          value={text}
          aria-invalid={text !== "" && !valid}
          onChange={(e) => setText(e.target.value)}
        />
      </label>{" "}
      <button type="submit" disabled={!valid}>
        Apply
      </button>
    </form>
  );
}

const sentence = (s: string) =>
  s.charAt(0).toUpperCase() + s.slice(1) + (/[.!?]$/.test(s) ? "" : ".");
