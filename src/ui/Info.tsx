import type { ReactNode } from "react";
import "./Info.css";

/**
 * A setting's name, dotted-underlined: hover or focus it to read what the setting does. (An icon
 * beside each name would push the narrow number fields onto extra rows.)
 */
export function Info(props: { text: string; children: ReactNode }) {
  return (
    <span className="info" tabIndex={0} title={props.text} aria-description={props.text}>
      {props.children}
    </span>
  );
}
