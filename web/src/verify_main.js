// Entry of custos-verify.html, the offline verifier in one file.
import { mountVerifier } from './ui/verify_page.js';

mountVerifier(document.getElementById('app'));
