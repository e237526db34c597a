import { useState } from "react";
import {
  defaultMatryoshkaWidths,
  matryoshkaWidthsProblem,
  parseMatryoshkaWidths,
} from "../../engine/dictionary/matryoshkaWidths.ts";
import { Info } from "../Info.tsx";
import { SETTING_HELP } from "./settingHelp.ts";
import "../NumberField.css";
import "./MatryoshkaWidthsField.css";

/**
 * Matryoshka BatchTopK's widths as "64,128,256,512", like NumberField: only valid widths for
 * this d_sae are committed; empty commits undefined (the default ladder, shown as placeholder);
 * anything else is marked invalid and says why.
 */
export function MatryoshkaWidthsField(props: {
  value: number[] | undefined;
  dSae: number;
  onChange: (widths: number[] | undefined) => void;
  disabled?: boolean;
  testId: string;
}) {
  const committed = props.value?.join(",") ?? "";
  const [text, setText] = useState(committed);
  const [shown, setShown] = useState(committed);
  if (shown !== committed) {
    setShown(committed);
    setText(committed);
  }
  const problem = widthsProblem(text, props.dSae);
  return (
    <label className="number-field matryoshka-widths">
      <span>
        <Info text={SETTING_HELP.matryoshkaWidths}>Matryoshka widths</Info>
      </span>
      <input
        type="text"
        value={text}
        placeholder={defaultMatryoshkaWidths(props.dSae).join(",")}
        disabled={props.disabled}
        data-testid={props.testId}
        aria-invalid={problem !== undefined}
        title={problem}
        onChange={(e) => {
          const next = e.target.value;
          setText(next);
          if (widthsProblem(next, props.dSae) !== undefined) return;
          const widths = next.trim() === "" ? undefined : parseMatryoshkaWidths(next);
          setShown(widths?.join(",") ?? "");
          props.onChange(widths);
        }}
      />
      {problem !== undefined && (
        <span className="field-error" data-testid={`${props.testId}-error`}>
          {problem}
        </span>
      )}
    </label>
  );
}

/** Why `text` is not a valid widths list for dSae (empty is valid: the default), else undefined. */
export function widthsProblem(text: string, dSae: number): string | undefined {
  if (text.trim() === "") return undefined;
  try {
    return matryoshkaWidthsProblem(parseMatryoshkaWidths(text), dSae);
  } catch (err) {
    return (err as Error).message;
  }
}
