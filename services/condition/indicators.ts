/**
 * The condition indicators FMS watches for degradation, per device type: the level up to which the
 * asset runs as it should, the warning level, and the limit of the default rule they head for. The
 * failure mode is the one of the rule that fires at the limit (devices/<type>/rules.yaml), so that a
 * predicted crossing and the alarm at the crossing are one fault, one work order.
 */
export interface IndicatorSpec {
  metric: string;
  /** What a technician calls it, in a work order's words. */
  name: string;
  unit: string;
  normal: number;
  warning: number;
  limit: number;
  failureMode: string;
  /**
   * A signed deviation (levelling error): the hour's worst deviation from zero counts, whichever side.
   * Otherwise the hour's mean.
   */
  absolute?: boolean;
}

export const indicatorsByType: Record<string, IndicatorSpec[]> = {
  pump: [
    // ISO 10816-3: up to 2.8 mm/s is good for a small pump, 4.5 the top of "satisfactory", 7.1 damage.
    { metric: 'vibration_mms', name: 'vibration', unit: 'mm/s', normal: 2.8, warning: 4.5, limit: 7.1, failureMode: 'pump.vibration' },
    // Bearing temperature: ambient + 40 °C in a plant room below 40 °C (DOMAIN.md); the rule fires at 80.
    { metric: 'motor_temp_c', name: 'bearing temperature', unit: '°C', normal: 60, warning: 70, limit: 80, failureMode: 'pump.bearing-temperature' },
  ],
  elevator: [
    // The rule fires outside ±10 mm (GB 7588 allows ±10 mm levelling accuracy); 5 mm is a good car.
    {
      metric: 'leveling_error_mm',
      name: 'levelling error',
      unit: 'mm',
      normal: 5,
      warning: 7.5,
      limit: 10,
      failureMode: 'elevator.leveling-error',
      absolute: true,
    },
  ],
  gate: [],
};

/** Expected service life by type (years), for the age input of the health index. */
export const expectedLife: Record<string, number> = { pump: 15, elevator: 25, gate: 10 };
