// Which Services an l2lb installation serves, by spec.loadBalancerClass (MetalLB's
// filterByLoadBalancerClass): with no --lb-class, Services without a class; with one, exactly
// the Services of that class. One rule for the controller and the speaker, so both always agree.
export function servedByClass(serviceClass: string | undefined, lbClass: string | undefined): boolean {
  if (serviceClass === undefined || serviceClass === '') return lbClass === undefined || lbClass === '';
  return serviceClass === lbClass;
}
