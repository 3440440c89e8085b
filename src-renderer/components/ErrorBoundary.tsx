/**
 * A view that throws while rendering shows a translated message and a way back, instead of a blank
 * window; the error goes to the desktop's log file. Reset by the key the parent gives (the view's name), so
 * switching views leaves the broken one behind.
 */
import { Component, type ErrorInfo, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

export function reportError(error: unknown, context: 'boundary' | 'unhandledrejection' | 'error' | 'query'): void {
  const message = (error instanceof Error ? error.message : String(error)).slice(0, 2000);
  const stack = error instanceof Error && error.stack ? error.stack.slice(0, 8000) : undefined;
  void window.clinic?.app.reportError({ message, context, ...(stack ? { stack } : {}) });
}

function Fallback({ onRetry }: { onRetry: () => void }) {
  const { t } = useTranslation('common');
  return (
    <div className="card" role="alert" data-testid="error-boundary">
      <h2>{t('errors.boundaryTitle')}</h2>
      <p>{t('errors.boundaryBody')}</p>
      <button type="button" onClick={onRetry}>
        {t('errors.retry')}
      </button>
    </div>
  );
}

export class ErrorBoundary extends Component<{ children: ReactNode }, { failed: boolean }> {
  override state = { failed: false };

  static getDerivedStateFromError(): { failed: boolean } {
    return { failed: true };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    reportError(Object.assign(error, { stack: `${error.stack ?? ''}\n${info.componentStack ?? ''}` }), 'boundary');
  }

  override render(): ReactNode {
    return this.state.failed ? <Fallback onRetry={() => this.setState({ failed: false })} /> : this.props.children;
  }
}
