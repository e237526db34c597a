import { useState } from "react";
import { GPT2_SMALL_CATALOGUE, type CatalogueEntry } from "./hubCatalogue.ts";
import { loadFromHub } from "./loadFromHub.ts";

/** Published GPT-2 small weights, one row each, with a layer picker where there are layers. */
export function HubCatalogue() {
  return (
    <div className="catalogue">
      <h4>GPT-2 small, ready to load</h4>
      <ul>
        {GPT2_SMALL_CATALOGUE.map((entry) => (
          <CatalogueRow key={entry.id} entry={entry} />
        ))}
      </ul>
    </div>
  );
}

function CatalogueRow(props: { entry: CatalogueEntry }) {
  const { entry } = props;
  const [layer, setLayer] = useState(0);
  return (
    <li className="catalogue-row" data-testid={`catalogue-${entry.id}`}>
      <div className="catalogue-text">
        <strong>{entry.title}</strong>
        <span className="muted">{entry.blurb}</span>
      </div>
      <div className="catalogue-actions">
        {entry.layers !== undefined && (
          <select
            aria-label={`${entry.title}: layer`}
            value={layer}
            onChange={(e) => setLayer(Number(e.target.value))}
          >
            {Array.from({ length: entry.layers }, (_, l) => (
              <option key={l} value={l}>
                layer {l}
              </option>
            ))}
          </select>
        )}
        <button
          type="button"
          aria-label={`Load ${entry.title}${entry.layers !== undefined ? `, layer ${layer}` : ""}`}
          onClick={() => loadFromHub(entry.source(layer))}
        >
          Load
        </button>
      </div>
    </li>
  );
}
