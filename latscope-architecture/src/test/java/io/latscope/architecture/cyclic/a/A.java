package io.latscope.architecture.cyclic.a;

import io.latscope.architecture.cyclic.b.B;

/** Half of a deliberate package cycle: the fixture ArchitectureTest's cycle rule must reject. */
public class A {
    B partner;
}
