/**
 * The one exception hierarchy: everything LatScope throws is an unchecked
 * {@link io.latscope.error.LatScopeException}, whose message names the cause and what to do.
 * Subclasses say what kind of cause: the caller's input ({@link io.latscope.error.ConfigurationException}),
 * the machine ({@link io.latscope.error.NotSupportedException}, {@link io.latscope.error.KernelException},
 * {@link io.latscope.error.VerifierException}), a remote host, clock sync, a store, or a hop a
 * report does not hold.
 */
package io.latscope.error;
