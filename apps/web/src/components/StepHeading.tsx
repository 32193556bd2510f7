import { type ReactNode, useEffect, useRef } from 'react';

let firstHeadingShown = false;

/**
 * The page's h1. When the step changes it takes focus, so keyboard and screen-reader
 * users land at the top of the new step instead of on a button that no longer exists.
 * The heading of the first page load keeps the browser's default focus (decided at first
 * render, so React's development double-run of effects cannot change it).
 */
export function StepHeading({ children, title }: { children: ReactNode; title: string }) {
  const ref = useRef<HTMLHeadingElement>(null);
  const isFirstHeading = useRef(!firstHeadingShown);

  useEffect(() => {
    document.title = `${title} – Unseen`;
  }, [title]);

  useEffect(() => {
    if (!isFirstHeading.current) ref.current?.focus();
    firstHeadingShown = true;
  }, []);

  return (
    <h1 ref={ref} tabIndex={-1}>
      {children}
    </h1>
  );
}
