import { useState } from "react";
import { Info } from "./Info.tsx";
import "./NumberField.css";

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
  /** Why it is disabled, say. */
  title?: string;
  /** What the setting does, on its label. */
  help?: string;
}) {
  const [text, setText] = useState(String(props.value));
  const [shown, setShown] = useState(props.value);
  if (shown !== props.value) {
    // The value changed from outside (e.g. a shared URL): show it.
    setShown(props.value);
    setText(String(props.value));
  }
  const valid = parseField(text, props) !== undefined;
  return (
    <label className="number-field" title={props.title}>
      <span>
        {props.help === undefined ? props.label : <Info text={props.help}>{props.label}</Info>}
      </span>
      <input
        type="text"
        inputMode="decimal"
        value={text}
        disabled={props.disabled}
        data-testid={props.testId}
        aria-invalid={!valid}
        onChange={(e) => {
          const next = e.target.value;
          setText(next);
          const n = parseField(next, props);
          if (n !== undefined) {
            setShown(n);
            props.onChange(n);
          }
        }}
      />
    </label>
  );
}

/** The number `text` holds when it is within the field's bounds, else undefined. */
function parseField(
  text: string,
  bounds: { min: number; max: number; integer?: boolean },
): number | undefined {
  const n = Number(text);
  const ok =
    text.trim() !== "" &&
    Number.isFinite(n) &&
    n >= bounds.min &&
    n <= bounds.max &&
    (!bounds.integer || Number.isInteger(n));
  return ok ? n : undefined;
}
