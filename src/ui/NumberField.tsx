import { useState } from "react";

/** A labelled number input that only commits valid values (min..max, integer if asked). */
export function NumberField(props: {
  label: string;
  value: number;
  onChange: (v: number) => void;
  min: number;
  max: number;
  integer?: boolean;
  disabled?: boolean;
  testId?: string;
}) {
  const [text, setText] = useState(String(props.value));
  const [shown, setShown] = useState(props.value);
  if (shown !== props.value) {
    // The value changed from outside (e.g. a shared URL): show it.
    setShown(props.value);
    setText(String(props.value));
  }
  const parsed = Number(text);
  const valid =
    text.trim() !== "" &&
    Number.isFinite(parsed) &&
    parsed >= props.min &&
    parsed <= props.max &&
    (!props.integer || Number.isInteger(parsed));
  return (
    <label
      style={{ display: "inline-flex", flexDirection: "column", marginRight: 12, fontSize: 13 }}
    >
      {props.label}
      <input
        type="text"
        inputMode="decimal"
        value={text}
        disabled={props.disabled}
        data-testid={props.testId}
        aria-invalid={!valid}
        style={{ width: 90, borderColor: valid ? undefined : "#c00" }}
        onChange={(e) => {
          const next = e.target.value;
          setText(next);
          const n = Number(next);
          const ok =
            next.trim() !== "" &&
            Number.isFinite(n) &&
            n >= props.min &&
            n <= props.max &&
            (!props.integer || Number.isInteger(n));
          if (ok) {
            setShown(n);
            props.onChange(n);
          }
        }}
      />
    </label>
  );
}
