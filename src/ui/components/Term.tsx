// A term with its glossary definition as a tooltip (hover, or focus with the keyboard: the text is also
// the element's accessible description).
import type { ReactNode } from 'react';
import { GLOSSARY, type GlossaryKey } from '../lib/glossary';

export function Term(props: { k: GlossaryKey; children: ReactNode }) {
  return (
    <abbr className="term" title={GLOSSARY[props.k]} tabIndex={0} data-glossary={props.k}>
      {props.children}
    </abbr>
  );
}

/** A small "?" after a title that cannot hold markup (a chart title is also its id). */
export function TermHint(props: { k: GlossaryKey; label?: string }) {
  return (
    <abbr className="term-hint" title={GLOSSARY[props.k]} tabIndex={0} aria-label={`${props.label ?? props.k}: ${GLOSSARY[props.k]}`} data-glossary={props.k}>
      ?
    </abbr>
  );
}
