// The job code editor: CodeMirror 6 with JavaScript highlighting and the adaptor's function names
// offered while typing. Its own chunk (imported lazily), so the editor stays out of the first load.
import { autocompletion, type CompletionContext, completeFromList } from '@codemirror/autocomplete';
import { javascript, javascriptLanguage } from '@codemirror/lang-javascript';
import { Compartment, EditorState } from '@codemirror/state';
import { basicSetup, EditorView } from 'codemirror';
import { useEffect, useRef } from 'react';

export interface Completion {
  name: string;
  params?: string[];
  description?: string | null;
}

export interface CodeEditorProps {
  value: string;
  onChange: (value: string) => void;
  /** Offered while typing (the adaptor's functions). */
  completions: Completion[];
  label: string;
  readOnly?: boolean;
  /** Set when the language is JSON-ish (the run input): no adaptor completions. */
  mode?: 'job' | 'json';
}

function adaptorCompletions(functions: Completion[]) {
  const list = completeFromList(
    functions.map((fn) => ({
      label: fn.name,
      type: 'function',
      detail: fn.params?.length ? `(${fn.params.join(', ')})` : 'adaptor',
      info: fn.description ?? undefined,
      apply: `${fn.name}(`,
    })),
  );
  return (context: CompletionContext) => {
    // Only where an identifier is being typed, not inside strings or comments.
    const word = context.matchBefore(/[\w$]+/);
    if (!word && !context.explicit) return null;
    return list(context);
  };
}

export function CodeEditor({
  value,
  onChange,
  completions,
  label,
  readOnly = false,
  mode = 'job',
}: CodeEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const changed = useRef(onChange);
  changed.current = onChange;
  const completionSlot = useRef(new Compartment());
  const readOnlySlot = useRef(new Compartment());

  // biome-ignore lint/correctness/useExhaustiveDependencies: created once; value/completions sync below
  useEffect(() => {
    if (!host.current) return;
    const editor = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: value,
        extensions: [
          basicSetup,
          javascript(),
          // Long lines wrap inside the panel instead of hiding past its right edge.
          EditorView.lineWrapping,
          autocompletion({ activateOnTyping: true }),
          completionSlot.current.of(
            mode === 'job'
              ? javascriptLanguage.data.of({ autocomplete: adaptorCompletions(completions) })
              : [],
          ),
          readOnlySlot.current.of(EditorState.readOnly.of(readOnly)),
          EditorView.contentAttributes.of({ 'aria-label': label }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) changed.current(update.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = editor;
    return () => {
      editor.destroy();
      view.current = null;
    };
  }, []);

  // A value changed from outside (another job selected, a reload) replaces the document.
  useEffect(() => {
    const editor = view.current;
    if (!editor) return;
    const current = editor.state.doc.toString();
    if (current !== value) {
      editor.dispatch({ changes: { from: 0, to: current.length, insert: value } });
    }
  }, [value]);

  useEffect(() => {
    view.current?.dispatch({
      effects: completionSlot.current.reconfigure(
        mode === 'job'
          ? javascriptLanguage.data.of({ autocomplete: adaptorCompletions(completions) })
          : [],
      ),
    });
  }, [completions, mode]);

  useEffect(() => {
    view.current?.dispatch({
      effects: readOnlySlot.current.reconfigure(EditorState.readOnly.of(readOnly)),
    });
  }, [readOnly]);

  return <div className="code-editor" ref={host} data-testid={`code-editor-${mode}`} />;
}

export default CodeEditor;
