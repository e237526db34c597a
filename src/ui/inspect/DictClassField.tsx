import type { DictClassChoice } from "../../engine/formats/recognize/dictClassChoice.ts";

/** Asks which dictionary_learning class a config-less ae.pt holds (its files cannot say). */
export function DictClassField(props: {
  message: string;
  choices: DictClassChoice[];
  onChoose: (dictClass: DictClassChoice) => void;
}) {
  return (
    <div className="scale-field notice" data-testid="dict-class-field">
      <p>{props.message}</p>
      <p>
        Read it as{" "}
        {props.choices.map((c, i) => (
          <span key={c}>
            {i > 0 && " or "}
            <button type="button" className="mono" onClick={() => props.onChoose(c)}>
              {c}
            </button>
          </span>
        ))}
      </p>
    </div>
  );
}
