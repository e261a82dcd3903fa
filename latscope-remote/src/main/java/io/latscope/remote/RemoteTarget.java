package io.latscope.remote;

import io.latscope.sync.SyncHost;

/**
 * A host of a multi-host session as the controller sees it: its label, how its agent is
 * started, and (for clock sync) the interface and address its responder listens on.
 */
public record RemoteTarget(String label, AgentLauncher launcher, SyncHost syncHost) {
}
