// How a new critical alert gets attention: a two-tone chime synthesised with Web Audio (no
// sound file to ship) and a visible flash, for the operator looking at another screen.

let context = null;

export function chime() {
  try {
    context ??= new AudioContext();
    const now = context.currentTime;
    for (const [i, freq] of [880, 660, 880].entries()) {
      const osc = context.createOscillator();
      const gain = context.createGain();
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, now + i * 0.25);
      gain.gain.exponentialRampToValueAtTime(0.3, now + i * 0.25 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, now + i * 0.25 + 0.22);
      osc.connect(gain).connect(context.destination);
      osc.start(now + i * 0.25);
      osc.stop(now + i * 0.25 + 0.24);
    }
    return true;
  } catch {
    return false; // browsers refuse audio before the first user gesture; the flash remains
  }
}

export function flash(element) {
  element.classList.remove("flash");
  void element.offsetWidth; // restart the CSS animation when alerts come in quick succession
  element.classList.add("flash");
}
