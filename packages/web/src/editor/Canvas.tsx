// The workflow graph on a React Flow canvas: the trigger on top, jobs below it by depth, edges
// labelled with their condition. Mouse: drag from a node's bottom handle to another node to connect,
// click to select. Keyboard: Tab to a node or edge, Enter to select it, Delete to remove it; the
// side panel and toolbar offer the same actions as buttons.
import {
  applyNodeChanges,
  Background,
  type Connection,
  Controls,
  type EdgeChange,
  type Edge as FlowEdge,
  type Node as FlowNode,
  Handle,
  MarkerType,
  type NodeChange,
  type NodeProps,
  Position,
  ReactFlow,
  useReactFlow,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useEffect, useMemo, useRef, useState } from 'react';
import { type Edge, edgeLabel, type Selection, splitAdaptor, type Workflow } from './model';

interface NodeData extends Record<string, unknown> {
  title: string;
  subtitle: string;
  kind: 'job' | 'trigger';
  invalid: boolean;
}

function WorkflowNode({ data, selected }: NodeProps<FlowNode<NodeData>>) {
  return (
    <div
      className={[
        'flow-node',
        `flow-node-${data.kind}`,
        selected ? 'is-selected' : '',
        data.invalid ? 'is-invalid' : '',
      ].join(' ')}
      data-testid={`node-${data.title}`}
    >
      {data.kind === 'job' && <Handle type="target" position={Position.Top} />}
      <div className="flow-node-title">{data.title}</div>
      <div className="flow-node-subtitle">{data.subtitle}</div>
      {data.invalid && (
        <div className="flow-node-error" role="img" aria-label="has errors">
          ⚠ has errors
        </div>
      )}
      <Handle type="source" position={Position.Bottom} />
    </div>
  );
}

const nodeTypes = { workflow: WorkflowNode };

/** Refits the view when jobs or edges are added or removed, so nothing new is off-screen. */
function FitOnChange({ shape }: { shape: string }) {
  const { fitView } = useReactFlow();
  useEffect(() => {
    if (shape === '0:0') return;
    const frame = requestAnimationFrame(() => {
      fitView({ padding: 0.3, maxZoom: 1.2, duration: 150 });
    });
    return () => cancelAnimationFrame(frame);
  }, [shape, fitView]);
  return null;
}

/** Positions for nodes never placed: the trigger row, then each job one row below its parents. */
function layout(workflow: Workflow): Map<string, { x: number; y: number }> {
  const depth = new Map<string, number>();
  for (const trigger of workflow.triggers) depth.set(trigger.id, 0);
  const incoming = (id: string) => workflow.edges.filter((edge) => edge.target_job_id === id);
  const depthOf = (id: string, seen = new Set<string>()): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    if (seen.has(id)) return 1;
    seen.add(id);
    const parents = incoming(id).map((edge) =>
      edge.source_trigger_id ? 0 : depthOf(edge.source_job_id!, seen),
    );
    const value = parents.length === 0 ? 1 : Math.max(...parents) + 1;
    depth.set(id, value);
    return value;
  };
  for (const job of workflow.jobs) depthOf(job.id);
  const rows = new Map<number, string[]>();
  for (const [id, d] of depth) rows.set(d, [...(rows.get(d) ?? []), id]);
  const positions = new Map<string, { x: number; y: number }>();
  for (const [d, ids] of rows) {
    ids.forEach((id, index) => {
      positions.set(id, { x: (index - (ids.length - 1) / 2) * 240, y: d * 140 });
    });
  }
  return positions;
}

export function Canvas({
  workflow,
  selection,
  invalid,
  readOnly,
  onSelect,
  onConnect,
  onDeleteJobs,
  onDeleteEdges,
}: {
  workflow: Workflow;
  selection: Selection;
  /** Ids of items with validation errors. */
  invalid: Set<string>;
  readOnly: boolean;
  onSelect: (selection: Selection) => void;
  onConnect: (sourceId: string, targetId: string) => void;
  onDeleteJobs: (ids: string[]) => void;
  onDeleteEdges: (ids: string[]) => void;
}) {
  const [nodes, setNodes] = useState<FlowNode<NodeData>[]>([]);
  /** Nodes the user dragged keep their place; the others follow the automatic layout. */
  const moved = useRef(new Set<string>());

  useEffect(() => {
    const auto = layout(workflow);
    setNodes((current) => {
      const previous = new Map(current.map((node) => [node.id, node]));
      const make = (id: string, data: NodeData, deletable: boolean): FlowNode<NodeData> => {
        const old = previous.get(id);
        return {
          ...(old ?? {}),
          id,
          type: 'workflow',
          position: (moved.current.has(id) ? old?.position : auto.get(id)) ??
            old?.position ?? { x: 0, y: 0 },
          data,
          deletable: deletable && !readOnly,
          selected: selection?.id === id,
          ariaLabel: `${data.kind === 'job' ? 'Job' : 'Trigger'} ${data.title}`,
        };
      };
      return [
        ...workflow.triggers.map((trigger) =>
          make(
            trigger.id,
            {
              kind: 'trigger',
              title: trigger.type === 'cron' ? 'Cron trigger' : 'Webhook trigger',
              subtitle:
                trigger.type === 'cron'
                  ? (trigger.cron_expression ?? '')
                  : trigger.enabled
                    ? 'enabled'
                    : 'disabled',
              invalid: invalid.has(trigger.id),
            },
            false,
          ),
        ),
        ...workflow.jobs.map((job) =>
          make(
            job.id,
            {
              kind: 'job',
              title: job.name || '(unnamed)',
              subtitle: splitAdaptor(job.adaptor).name.replace('@openfn/language-', ''),
              invalid: invalid.has(job.id),
            },
            true,
          ),
        ),
      ];
    });
  }, [workflow, selection, invalid, readOnly]);

  const edges = useMemo<FlowEdge[]>(
    () =>
      workflow.edges.map((edge: Edge) => ({
        id: edge.id,
        source: (edge.source_job_id ?? edge.source_trigger_id)!,
        target: edge.target_job_id,
        label: edgeLabel(edge),
        selected: selection?.id === edge.id,
        deletable: !readOnly,
        animated: !edge.enabled,
        markerEnd: { type: MarkerType.ArrowClosed },
        className: invalid.has(edge.id) ? 'is-invalid' : undefined,
        ariaLabel: `Edge ${edgeLabel(edge)}`,
      })),
    [workflow.edges, selection, invalid, readOnly],
  );

  const kindOf = (id: string): 'job' | 'trigger' =>
    workflow.triggers.some((trigger) => trigger.id === id) ? 'trigger' : 'job';

  const onNodesChange = (changes: NodeChange<FlowNode<NodeData>>[]) => {
    // Removals go through onNodesDelete (the workflow is the source of truth).
    const kept = changes.filter((change) => change.type !== 'remove' && change.type !== 'select');
    for (const change of kept) {
      if (change.type === 'position' && change.dragging) moved.current.add(change.id);
    }
    setNodes((current) => applyNodeChanges(kept, current));
    for (const change of changes) {
      if (change.type === 'select' && change.selected)
        onSelect({ kind: kindOf(change.id), id: change.id });
    }
  };
  const onEdgesChange = (changes: EdgeChange[]) => {
    for (const change of changes) {
      if (change.type === 'select' && change.selected) onSelect({ kind: 'edge', id: change.id });
    }
  };

  return (
    <div className="canvas" data-testid="workflow-canvas">
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onNodeClick={(_event, node) => onSelect({ kind: kindOf(node.id), id: node.id })}
        onEdgeClick={(_event, edge) => onSelect({ kind: 'edge', id: edge.id })}
        onPaneClick={() => onSelect(null)}
        onConnect={(connection: Connection) => {
          if (!readOnly && connection.source && connection.target) {
            onConnect(connection.source, connection.target);
          }
        }}
        onNodesDelete={(deleted) => onDeleteJobs(deleted.map((node) => node.id))}
        onEdgesDelete={(deleted) => onDeleteEdges(deleted.map((edge) => edge.id))}
        deleteKeyCode={readOnly ? null : ['Delete', 'Backspace']}
        nodesConnectable={!readOnly}
        nodesDraggable
        nodesFocusable
        edgesFocusable
        fitView
        fitViewOptions={{ padding: 0.3, maxZoom: 1.2 }}
        minZoom={0.2}
      >
        <Background />
        <Controls showInteractive={false} />
        <FitOnChange shape={`${nodes.length}:${workflow.edges.length}`} />
      </ReactFlow>
    </div>
  );
}
