package io.latscope.architecture.cyclic.b;

import io.latscope.architecture.cyclic.a.A;

/** The other half of the deliberate cycle. */
public class B {
    A partner;
}
