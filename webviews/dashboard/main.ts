// Entry of the dashboard panel bundle (dist/webviews/dashboard.js): registers the Chart.js pieces and the
// controls it uses, connects to the host, and wires host messages and theme changes to the controller.
import { Chart, LineController, LineElement, PointElement, LinearScale, LogarithmicScale, Legend } from 'chart.js';
import zoomPlugin from 'chartjs-plugin-zoom';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-toolbar-button/index.js';
import { connect } from '../common/messaging';
import { watchTheme } from '../common/theme';
import { seriesPlugin } from './seriesPlugin';
import { bandPlugin, drawnBands } from './bandPlugin';
import { stageLabels } from './stageMarks';
import { alertMarkerPlugin } from './alertMarkers';
import { Dashboard } from './dashboard';

// The seed bands before the series plugin: fills go under stage labels and lines.
Chart.register(LineController, LineElement, PointElement, LinearScale, LogarithmicScale, Legend, zoomPlugin, bandPlugin, seriesPlugin, alertMarkerPlugin);

const channel = connect('dashboard');
const dashboard = new Dashboard(document.getElementById('app')!, channel);

channel.on('init', (p) => dashboard.adoptState(p.state));
channel.on('dashboard/runs', (p) => dashboard.setRuns(p.runs));
channel.on('dashboard/columns', (p) => dashboard.addColumns(p));
channel.on('dashboard/layout', (p) => dashboard.showLayout(p.layout));
channel.on('dashboard/config', (p) => dashboard.showConfig(p));
channel.on('dashboard/alerts', (p) => dashboard.setAlerts(p.run, p.alerts));
channel.on('error', (p) => dashboard.showError(String(p.message)));
watchTheme((t) => dashboard.setTheme(t));
channel.ready();

// Read-only diagnostics for tests and benchmarks (counters, a synchronous flush); nothing the host relies on.
(globalThis as { s2tDebug?: unknown }).s2tDebug = { dashboard, drawnBands, stageLabels };
