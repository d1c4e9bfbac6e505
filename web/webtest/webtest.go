// Package webtest holds the browser tests of Kefu's pages — the workspace,
// the admin pages, the widget, the simulator, the SDK demo, canned replies
// and assistant components — run in Chromium against a real server
// (kefutest). It has no code of its own outside its tests.
package webtest
